// Page object: the top bar (workspace switcher, who is signed in, signing out).
export class Header {
  constructor(page) {
    this.page = page;
    this.switcher = page.getByTestId('workspace-switcher');
    this.signedInAs = page.getByTestId('signed-in-as');
    this.signOutButton = page.getByRole('button', { name: 'Sign out' });
    this.signInLink = page.locator('header').getByRole('link', { name: 'Sign in', exact: true });
  }

  async openSwitcher() {
    await this.switcher.locator('summary').click();
  }

  // The switcher's link to the workspace called `name`.
  workspaceLink(name) {
    return this.switcher.getByRole('link', { name, exact: true });
  }

  async signOut() {
    await this.signOutButton.click();
  }
}
