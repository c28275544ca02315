// Interactions that only work once the wasm bundle has hydrated the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMixpilot } from '../support/server.mjs';
import { launchChromium } from '../support/browser.mjs';
import { StatusPage } from '../pages/status-page.mjs';
import { SignInPage } from '../pages/sign-in-page.mjs';
import { SignUpPage, uniqueEmail, PASSWORD } from '../pages/sign-up-page.mjs';
import { WorkspacePage } from '../pages/workspace-page.mjs';

let app;
let browser;
before(async () => {
  app = await startMixpilot();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await app?.stop();
});

test('a signed-out person is asked to sign in before running a diagnostic', async () => {
  const page = await browser.newPage();
  const status = new StatusPage(page, app.url);
  await status.open();
  await status.signInPrompt.waitFor();
  assert.equal(await status.runButton.count(), 0);
  await page.close();
});

test('a person runs a diagnostic job and watches it finish', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Diagnostics run in a workspace: sign up first.
  const signUp = new SignUpPage(page, app.url);
  await signUp.open();
  await signUp.signUp({ name: 'Dee', email: uniqueEmail('dee'), password: PASSWORD, workspace: 'Dee Diagnostics' });
  await new WorkspacePage(page, app.url).name.getByText('Dee Diagnostics').waitFor();
  const status = new StatusPage(page, app.url);
  await status.open();
  // Rendered on the server: both dependencies are reachable.
  await status.dependencies.getByText('reachable').first().waitFor();
  assert.equal(await status.dependencies.getByText('unreachable').count(), 0);

  await status.runDiagnostic();
  await status.jobStatus.getByText('succeeded').waitFor({ timeout: 30_000 });
  const summary = await status.statusRegion.innerText();
  assert.match(summary, /Worker/);
  assert.match(summary, /Database round trip/);
  assert.match(summary, /sqlite/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the sign-in form explains what is wrong before it is sent', async () => {
  const page = await browser.newPage();
  const signIn = new SignInPage(page, app.url);
  await signIn.open();
  await signIn.email.fill('ana.example.com');
  await signIn.submit.click();
  await signIn.emailError.getByText('Enter an email address').waitFor();
  assert.equal(await signIn.email.getAttribute('aria-invalid'), 'true');
  assert.equal(new URL(page.url()).pathname, '/sign-in', 'the invalid form was not sent');
  await signIn.email.fill('ana@example.com');
  assert.equal(await signIn.emailError.innerText(), '');
  await page.close();
});
