// Page object: a workspace's data and connections page (/w/<id>/connections).
import { waitForHydration } from '../support/browser.mjs';

export class ConnectionsPage {
  constructor(page, baseUrl) {
    this.page = page;
    this.baseUrl = baseUrl;
    this.connectSandboxButton = page.getByTestId('connect-sandbox');
    this.connections = page.getByTestId('connections');
    this.sandboxRow = page.getByTestId('connection-sandbox');
    this.progress = this.sandboxRow.getByTestId('sync-progress');
    this.done = this.sandboxRow.getByTestId('sync-done');
    this.chart = page.getByTestId('channel-chart');
    this.legend = page.getByTestId('legend-item');
    this.kpis = page.getByTestId('channel-kpis');
    this.error = page.getByTestId('connect-error');
  }

  async open(workspaceId) {
    await this.page.goto(`${this.baseUrl}/w/${workspaceId}/connections`);
    await waitForHydration(this.page);
  }

  async connectSandbox() {
    await this.connectSandboxButton.click();
    await this.sandboxRow.waitFor();
  }
}
