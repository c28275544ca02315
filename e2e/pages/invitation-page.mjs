// Page object: where an invitation link leads (/invitations/<token>).
import { waitForHydration } from '../support/browser.mjs';

export class InvitationPage {
  constructor(page) {
    this.page = page;
    this.preview = page.getByTestId('invitation-preview');
    this.workspace = page.getByTestId('invitation-workspace');
    this.role = page.getByTestId('invitation-role');
    this.createAccount = page.getByTestId('invitation-sign-up');
    this.signIn = page.getByTestId('invitation-sign-in');
    this.accept = page.getByTestId('accept-invitation');
    this.error = page.getByTestId('page-error');
  }

  async open(link) {
    await this.page.goto(link);
    await waitForHydration(this.page);
  }
}
