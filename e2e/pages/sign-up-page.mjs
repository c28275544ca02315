// Page object: Sign up (with or without an invitation link).
import { waitForHydration } from '../support/browser.mjs';

export class SignUpPage {
  constructor(page, baseUrl) {
    this.page = page;
    this.baseUrl = baseUrl;
    this.form = page.getByTestId('sign-up-form');
    this.name = page.getByLabel('Your name', { exact: true });
    this.email = page.getByLabel('Email', { exact: true });
    this.password = page.getByLabel('Password', { exact: true });
    this.workspaceName = page.getByLabel('Workspace name', { exact: true });
    this.brand = page.getByRole('radio', { name: 'Brand', exact: true });
    this.agency = page.getByRole('radio', { name: 'Agency', exact: true });
    this.submit = page.getByRole('button', { name: 'Create account' });
    this.error = page.getByTestId('sign-up-error');
    this.passwordError = page.locator('#password-error');
    this.invitationPreview = page.getByTestId('invitation-preview');
  }

  async open(query = '') {
    await this.page.goto(`${this.baseUrl}/sign-up${query}`);
    await waitForHydration(this.page);
  }

  // Fills the form and sends it. `workspace` and `kind` are left out when signing up through
  // an invitation.
  async signUp({ name, email, password, workspace, kind }) {
    await this.name.fill(name);
    if (email !== undefined) await this.email.fill(email);
    await this.password.fill(password);
    if (workspace !== undefined) await this.workspaceName.fill(workspace);
    if (kind === 'agency') await this.agency.check();
    if (kind === 'brand') await this.brand.check();
    await this.submit.click();
  }
}

// A unique address for each person a test signs up.
export function uniqueEmail(who) {
  return `${who}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';
