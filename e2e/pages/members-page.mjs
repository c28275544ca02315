// Page object: a workspace's members and invitations (/w/<id>/members).
import { waitForHydration } from '../support/browser.mjs';

export class MembersPage {
  constructor(page, baseUrl) {
    this.page = page;
    this.baseUrl = baseUrl;
    this.members = page.getByTestId('members');
    this.memberRows = page.getByTestId('member-row');
    this.roleSelects = page.getByTestId('member-role');
    this.removeButtons = page.getByTestId('remove-member');
    this.inviteForm = page.getByTestId('invite-form');
    this.inviteEmail = page.getByLabel('Email', { exact: true });
    this.inviteRole = page.getByLabel('Role', { exact: true });
    this.inviteButton = page.getByRole('button', { name: 'Create invitation' });
    this.invitationLink = page.getByTestId('invitation-link');
    this.invitations = page.getByTestId('invitations');
    this.readOnlyNote = page.getByTestId('members-read-only');
  }

  async open(workspaceId) {
    await this.page.goto(`${this.baseUrl}/w/${workspaceId}/members`);
    await waitForHydration(this.page);
  }

  // Invites `email` with `role` and returns the invitation link the page shows once.
  async invite(email, role) {
    await this.inviteEmail.fill(email);
    await this.inviteRole.selectOption(role);
    await this.inviteButton.click();
    await this.invitationLink.waitFor();
    return this.invitationLink.inputValue();
  }
}
