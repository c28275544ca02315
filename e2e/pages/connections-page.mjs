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
    this.csvFile = page.getByTestId('csv-file');
    this.csvUpload = page.getByTestId('csv-upload');
    this.importRefused = page.getByTestId('import-refused');
    this.importProblems = page.getByTestId('import-problem');
    this.importDone = page.getByTestId('import-done');
    this.csvRow = page.getByTestId('connection-csv');
  }

  async open(workspaceId) {
    await this.page.goto(`${this.baseUrl}/w/${workspaceId}/connections`);
    await waitForHydration(this.page);
  }

  /** Chooses a file with `contents` named `name` and uploads it. */
  async importCsv(name, contents) {
    await this.csvFile.setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(contents) });
    await this.csvUpload.click();
  }

  async connectSandbox() {
    await this.connectSandboxButton.click();
    await this.sandboxRow.waitFor();
  }
}
