// Page object: System status.
import { waitForHydration } from '../support/browser.mjs';

export class StatusPage {
  constructor(page, baseUrl) {
    this.page = page;
    this.baseUrl = baseUrl;
    this.dependencies = page.getByTestId('dependencies');
    this.runButton = page.getByRole('button', { name: 'Run a diagnostic' });
    this.jobStatus = page.getByTestId('job-status');
    this.statusRegion = page.getByTestId('diagnostic-status');
    this.signInPrompt = page.getByTestId('diagnostic-sign-in');
  }

  async open() {
    await this.page.goto(`${this.baseUrl}/status`);
    await waitForHydration(this.page);
  }

  async runDiagnostic() {
    await this.runButton.click();
  }
}
