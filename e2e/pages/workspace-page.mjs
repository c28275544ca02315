// Page object: a workspace's home page (/w/<id>).
import { waitForHydration } from '../support/browser.mjs';

export class WorkspacePage {
  constructor(page, baseUrl) {
    this.page = page;
    this.baseUrl = baseUrl;
    this.name = page.getByTestId('workspace-name');
    this.role = page.getByTestId('workspace-role');
    this.tabs = page.getByRole('navigation', { name: 'Workspace' });
    this.clientName = page.getByLabel('Client name', { exact: true });
    this.createClientForm = page.getByTestId('create-client-form');
    this.createClientButton = page.getByRole('button', { name: 'Create client workspace' });
    this.clientList = page.getByTestId('client-list');
    this.error = page.getByTestId('page-error');
  }

  async open(id) {
    await this.page.goto(`${this.baseUrl}/w/${id}`);
    await waitForHydration(this.page);
  }

  // The workspace id in the current address.
  id() {
    const m = new URL(this.page.url()).pathname.match(/^\/w\/([0-9a-f-]{36})/);
    return m && m[1];
  }

  async createClient(name) {
    await this.clientName.fill(name);
    await this.createClientButton.click();
    await this.clientList.getByRole('link', { name, exact: true }).waitFor();
  }

  async openClient(name) {
    await this.clientList.getByRole('link', { name, exact: true }).click();
    await this.name.getByText(name, { exact: true }).waitFor();
  }

  async openTab(label) {
    await this.tabs.getByRole('link', { name: label }).click();
  }
}
