// Accounts and tenancy: signing up, agencies and their clients, invitations, and what a viewer
// may (not) do. Each test starts its own server with a fresh data directory.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startMixpilot } from '../support/server.mjs';
import { launchChromium } from '../support/browser.mjs';
import { SignUpPage, uniqueEmail, PASSWORD } from '../pages/sign-up-page.mjs';
import { SignInPage } from '../pages/sign-in-page.mjs';
import { Header } from '../pages/header.mjs';
import { WorkspacePage } from '../pages/workspace-page.mjs';
import { MembersPage } from '../pages/members-page.mjs';
import { InvitationPage } from '../pages/invitation-page.mjs';

let app;
let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });
// A fresh server and data directory for each test.
beforeEach(async () => { app = await startMixpilot({ demo: false }); });
afterEach(async () => { await app?.stop(); });

// A page in a fresh browser context (no cookies), with uncaught errors collected.
async function freshPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

// From inside `page`: calls a server function the way the app does (form-encoded, with the
// CSRF header from the `mixpilot_csrf` cookie) and returns the status and body.
function callServerFunction(page, name, body) {
  return page.evaluate(async ({ name, body }) => {
    const csrf = document.cookie
      .split(';')
      .map((c) => c.trim())
      .find((c) => c.startsWith('mixpilot_csrf='))
      ?.slice('mixpilot_csrf='.length);
    const res = await fetch(`/rpc/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': csrf ?? '' },
      body,
    });
    return { status: res.status, body: await res.text(), hadCsrf: Boolean(csrf) };
  }, { name, body });
}

test('an agency invites a viewer to a client workspace, who can look but not change anything', async () => {
  // The agency owner signs up and lands in the new agency workspace.
  const owner = await freshPage();
  const signUp = new SignUpPage(owner.page, app.url);
  await signUp.open();
  await signUp.signUp({
    name: 'Olga Owner', email: uniqueEmail('owner'), password: PASSWORD,
    workspace: 'Northwind Agency', kind: 'agency',
  });
  const agency = new WorkspacePage(owner.page, app.url);
  await agency.name.getByText('Northwind Agency').waitFor();
  assert.match(await agency.role.innerText(), /Owner/);

  // It creates a client workspace and opens its members page.
  await agency.createClient('Contoso Coffee');
  await agency.openClient('Contoso Coffee');
  const clientId = agency.id();
  assert.ok(clientId, `a client workspace address, got ${owner.page.url()}`);
  await agency.openTab('Members and invitations');
  const members = new MembersPage(owner.page, app.url);
  await members.inviteForm.waitFor();

  // It invites a viewer and reads the link, shown once.
  const viewerEmail = uniqueEmail('viewer');
  const link = await members.invite(viewerEmail, 'viewer');
  assert.match(link, new RegExp(`^${app.url}/invitations/\\S+$`));
  await members.invitations.getByText(viewerEmail).waitFor();

  // The viewer, in a browser with no cookies, follows the link and creates an account.
  const viewer = await freshPage();
  const invitation = new InvitationPage(viewer.page);
  await invitation.open(link);
  assert.equal(await invitation.workspace.innerText(), 'Contoso Coffee');
  assert.equal(await invitation.role.innerText(), 'Viewer');
  await invitation.createAccount.click();
  const viewerSignUp = new SignUpPage(viewer.page, app.url);
  await viewerSignUp.invitationPreview.waitFor();
  assert.equal(await viewerSignUp.email.inputValue(), viewerEmail, 'the email comes from the invitation');
  assert.equal(await viewerSignUp.workspaceName.count(), 0, 'no workspace fields when invited');
  await viewerSignUp.signUp({ name: 'Vera Viewer', password: PASSWORD });

  // They land in the client workspace, as a viewer, and find it in the switcher.
  const client = new WorkspacePage(viewer.page, app.url);
  await viewer.page.waitForURL(`${app.url}/w/${clientId}`);
  await client.name.getByText('Contoso Coffee').waitFor();
  assert.match(await client.role.innerText(), /Viewer/);
  const header = new Header(viewer.page);
  await header.openSwitcher();
  await header.workspaceLink('Contoso Coffee').waitFor();
  assert.equal(await header.signedInAs.innerText(), viewerEmail);

  // Nothing to change: no client form, no admin tabs, no invite form, no role selects.
  assert.equal(await client.createClientForm.count(), 0);
  assert.equal(await client.tabs.getByRole('link', { name: 'API keys' }).count(), 0);
  assert.equal(await client.tabs.getByRole('link', { name: 'Audit log' }).count(), 0);
  await client.openTab('Members and invitations');
  const viewerMembers = new MembersPage(viewer.page, app.url);
  await viewerMembers.members.getByText(viewerEmail).waitFor();
  await viewerMembers.readOnlyNote.waitFor();
  assert.equal(await viewerMembers.inviteForm.count(), 0);
  assert.equal(await viewerMembers.roleSelects.count(), 0);
  assert.equal(await viewerMembers.removeButtons.count(), 0);
  assert.equal(await viewerMembers.invitations.count(), 0);

  // And the server refuses the change when the viewer sends it anyway.
  const attempt = await callServerFunction(
    viewer.page, 'invite', `workspace=${clientId}&email=x%40y.com&role=viewer`,
  );
  assert.ok(attempt.hadCsrf, 'the page has its CSRF cookie');
  assert.equal(attempt.status, 403, `refused with 403, got ${attempt.status}: ${attempt.body}`);
  assert.match(attempt.body, /forbidden/);

  // The owner sees the invitation accepted and the viewer among the members.
  await members.open(clientId);
  await members.members.getByText(viewerEmail).waitFor();
  await members.invitations.getByText('accepted').waitFor();

  assert.deepEqual(owner.errors, []);
  assert.deepEqual(viewer.errors, []);
});

test('signing up checks the password in the browser and names the workspace kind', async () => {
  const { page, errors } = await freshPage();
  const signUp = new SignUpPage(page, app.url);
  await signUp.open();
  await signUp.signUp({ name: 'Bo', email: uniqueEmail('bo'), password: 'short', workspace: 'Bo Brand' });
  await signUp.passwordError.getByText('at least 10 characters (got 5)').waitFor();
  assert.equal(await signUp.password.getAttribute('aria-invalid'), 'true');
  assert.equal(new URL(page.url()).pathname, '/sign-up', 'the invalid form was not sent');

  await signUp.password.fill(PASSWORD);
  await signUp.submit.click();
  const workspace = new WorkspacePage(page, app.url);
  await workspace.name.getByText('Bo Brand').waitFor();
  await page.getByTestId('workspace-kind').getByText('Brand').waitFor();
  assert.deepEqual(errors, []);
});

test('a person signs out, is refused a wrong password, and signs in again', async () => {
  const { page, errors } = await freshPage();
  const email = uniqueEmail('sam');
  const signUp = new SignUpPage(page, app.url);
  await signUp.open();
  await signUp.signUp({ name: 'Sam', email, password: PASSWORD, workspace: 'Sam Shop' });
  const workspace = new WorkspacePage(page, app.url);
  await workspace.name.getByText('Sam Shop').waitFor();
  const workspaceId = workspace.id();

  const header = new Header(page);
  await header.signOut();
  await header.signInLink.waitFor();
  // Signed out, the workspace asks to sign in.
  await workspace.open(workspaceId);
  await workspace.error.waitFor();

  const signIn = new SignInPage(page, app.url);
  await signIn.open();
  await signIn.email.fill(email);
  await signIn.password.fill('not the password');
  await signIn.submit.click();
  await page.getByTestId('sign-in-error').getByText(/not correct/).waitFor();

  await signIn.password.fill(PASSWORD);
  await signIn.submit.click();
  // One workspace: straight into it.
  await page.waitForURL(`${app.url}/w/${workspaceId}`);
  await workspace.name.getByText('Sam Shop').waitFor();
  assert.equal(await header.signedInAs.innerText(), email);
  assert.deepEqual(errors, []);
});

test('an invitation link that was used says so', async () => {
  const owner = await freshPage();
  const signUp = new SignUpPage(owner.page, app.url);
  await signUp.open();
  await signUp.signUp({ name: 'Ola', email: uniqueEmail('ola'), password: PASSWORD, workspace: 'Ola Org' });
  const workspace = new WorkspacePage(owner.page, app.url);
  await workspace.name.getByText('Ola Org').waitFor();
  await workspace.openTab('Members and invitations');
  const members = new MembersPage(owner.page, app.url);
  const email = uniqueEmail('max');
  const link = await members.invite(email, 'strategist');

  const first = await freshPage();
  const invitation = new InvitationPage(first.page);
  await invitation.open(link);
  await invitation.createAccount.click();
  const join = new SignUpPage(first.page, app.url);
  await join.invitationPreview.waitFor();
  await join.signUp({ name: 'Max', password: PASSWORD });
  await new WorkspacePage(first.page, app.url).name.getByText('Ola Org').waitFor();

  const second = await freshPage();
  const again = new InvitationPage(second.page);
  await again.open(link);
  await again.error.getByText('already been used').waitFor();
  assert.equal(await again.createAccount.count(), 0);
});

test('a person with an account signs in from an invitation link and accepts it', async () => {
  const owner = await freshPage();
  const ownerSignUp = new SignUpPage(owner.page, app.url);
  await ownerSignUp.open();
  await ownerSignUp.signUp({ name: 'Ines', email: uniqueEmail('ines'), password: PASSWORD, workspace: 'Ines Inc' });
  const inviting = new WorkspacePage(owner.page, app.url);
  await inviting.name.getByText('Ines Inc').waitFor();
  const workspaceId = inviting.id();

  // Someone who already has a workspace of their own.
  const guest = await freshPage();
  const email = uniqueEmail('gus');
  const guestSignUp = new SignUpPage(guest.page, app.url);
  await guestSignUp.open();
  await guestSignUp.signUp({ name: 'Gus', email, password: PASSWORD, workspace: 'Gus Goods' });
  await new WorkspacePage(guest.page, app.url).name.getByText('Gus Goods').waitFor();
  await new Header(guest.page).signOut();
  await new Header(guest.page).signInLink.waitFor();

  await inviting.openTab('Members and invitations');
  const link = await new MembersPage(owner.page, app.url).invite(email, 'approver');

  // Signed out, the link offers to sign in, and signing in comes back to it.
  const invitation = new InvitationPage(guest.page);
  await invitation.open(link);
  await invitation.signIn.click();
  const signIn = new SignInPage(guest.page, app.url);
  await signIn.email.fill(email);
  await signIn.password.fill(PASSWORD);
  await signIn.submit.click();
  await guest.page.waitForURL(link);
  await invitation.accept.click();
  await guest.page.waitForURL(`${app.url}/w/${workspaceId}`);
  const joined = new WorkspacePage(guest.page, app.url);
  await joined.name.getByText('Ines Inc').waitFor();
  assert.match(await joined.role.innerText(), /Approver/);

  // Both workspaces are in the switcher now.
  const header = new Header(guest.page);
  await header.openSwitcher();
  await header.workspaceLink('Ines Inc').waitFor();
  await header.workspaceLink('Gus Goods').waitFor();
  assert.deepEqual(guest.errors, []);
});

test('signing up with an address that has an account says so, and another address goes through', async () => {
  const email = uniqueEmail('dup');
  const first = await freshPage();
  const signUp = new SignUpPage(first.page, app.url);
  await signUp.open();
  await signUp.signUp({ name: 'Dana', email, password: PASSWORD, workspace: 'Dana Deli' });
  await new WorkspacePage(first.page, app.url).name.getByText('Dana Deli').waitFor();

  const second = await freshPage();
  const again = new SignUpPage(second.page, app.url);
  await again.open();
  await again.signUp({ name: 'Dana Two', email, password: PASSWORD, workspace: 'Dana Two' });
  await second.page.locator('#email-error').getByText('already exists').waitFor();
  assert.equal(await again.email.getAttribute('aria-invalid'), 'true');
  await again.error.getByText('already exists').waitFor();

  // Correcting the address sends the form again.
  await again.email.fill(uniqueEmail('dana2'));
  await again.submit.click();
  await new WorkspacePage(second.page, app.url).name.getByText('Dana Two').waitFor();
  assert.deepEqual(second.errors, []);
});
