// Page object: Sign in.
import { waitForHydration } from '../support/browser.mjs';

export class SignInPage {
  constructor(page, baseUrl) {
    this.page = page;
    this.baseUrl = baseUrl;
    this.email = page.getByLabel('Email');
    this.password = page.getByLabel('Password');
    this.submit = page.getByRole('button', { name: 'Sign in' });
    this.emailError = page.getByTestId('email-error');
  }

  async open() {
    await this.page.goto(`${this.baseUrl}/sign-in`);
    await waitForHydration(this.page);
  }
}
