// Hardening (issue 16), in a real browser: `?next=` after sign-in never leaves the site, the
// Content-Security-Policy lets the page hydrate, and a form on another site cannot sign the
// browser in.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { startMixpilot } from '../support/server.mjs';
import { launchChromium, waitForHydration } from '../support/browser.mjs';
import { SignInPage } from '../pages/sign-in-page.mjs';
import { uniqueEmail, PASSWORD } from '../pages/sign-up-page.mjs';

let app;
let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { app = await startMixpilot({ demo: false }); });
afterEach(async () => { await app?.stop(); });

// An account made through the JSON API (no browser involved).
async function account() {
  const email = uniqueEmail('next');
  const res = await fetch(`${app.url}/api/v1/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, name: 'Nina', password: PASSWORD, workspace_name: 'Nina Co' }),
  });
  assert.equal(res.status, 201);
  return email;
}

// A fresh context whose page collects uncaught errors and CSP violations.
async function freshPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  return { context, page, problems };
}

const HOSTILE_NEXT = [
  '/\t/evil.example',
  '/\n/evil.example',
  '//evil.example',
  '/\\evil.example',
  '/%2F/evil.example',
  'https://evil.example/',
];

for (const next of HOSTILE_NEXT) {
  test(`signing in with next=${JSON.stringify(next)} stays on the site`, async () => {
    const email = await account();
    const { page, problems } = await freshPage();
    await page.goto(`${app.url}/sign-in?next=${encodeURIComponent(next)}`);
    await waitForHydration(page);
    const signIn = new SignInPage(page, app.url);
    await signIn.email.fill(email);
    await signIn.password.fill(PASSWORD);
    await signIn.submit.click();
    // Lands in the person's only workspace, on this site.
    await page.waitForURL((url) => url.pathname.startsWith('/w/'), { timeout: 20_000 });
    assert.equal(new URL(page.url()).origin, new URL(app.url).origin);
    assert.deepEqual(problems, []);
    await page.context().close();
  });
}

test('a same-site next still works after signing in', async () => {
  const email = await account();
  const { page, problems } = await freshPage();
  await page.goto(`${app.url}/sign-in?next=${encodeURIComponent('/workspaces')}`);
  await waitForHydration(page);
  const signIn = new SignInPage(page, app.url);
  await signIn.email.fill(email);
  await signIn.password.fill(PASSWORD);
  await signIn.submit.click();
  await page.waitForURL(`${app.url}/workspaces`, { timeout: 20_000 });
  assert.deepEqual(problems, [], 'the CSP lets the page hydrate and run');
  await page.context().close();
});

test('a form on another site cannot sign the browser in', async () => {
  const email = await account();
  // The attacker's page, on another origin, posting the attacker's credentials to Mixpilot.
  const evil = createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!DOCTYPE html><form id="f" method="post" action="${app.url}/rpc/sign_in">
      <input name="email" value="${email}"><input name="password" value="${PASSWORD}"></form>
      <script>document.getElementById('f').submit()</script>`);
  });
  evil.listen(0, '127.0.0.1');
  await once(evil, 'listening');
  const evilUrl = `http://127.0.0.1:${evil.address().port}/`;
  try {
    const { context, page } = await freshPage();
    const answer = page.waitForResponse((r) => r.url().startsWith(`${app.url}/rpc/sign_in`));
    await page.goto(evilUrl);
    const res = await answer;
    assert.equal(res.status(), 403);
    const cookies = await context.cookies(app.url);
    assert.deepEqual(cookies.filter((c) => c.name.startsWith('mixpilot_')), []);
    await context.close();
  } finally {
    evil.close();
  }
});
