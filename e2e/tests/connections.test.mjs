// Connecting a source and seeing its data: the sandbox platform is connected from the data
// page, its backfill shows progress, and the channel chart appears when it is done.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMixpilot } from '../support/server.mjs';
import { launchChromium } from '../support/browser.mjs';
import { SignUpPage, uniqueEmail, PASSWORD } from '../pages/sign-up-page.mjs';
import { WorkspacePage } from '../pages/workspace-page.mjs';
import { ConnectionsPage } from '../pages/connections-page.mjs';

let app;
let browser;
before(async () => {
  browser = await launchChromium();
  // A pause between report calls, so the backfill's progress is there to be seen.
  app = await startMixpilot({ demo: false, env: { MIXPILOT_SYNC_PAUSE_MS: '600' } });
});
after(async () => {
  await browser?.close();
  await app?.stop();
});

test('connecting the sandbox shows the backfill progress, then the channel chart', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  const signUp = new SignUpPage(page, app.url);
  await signUp.open();
  await signUp.signUp({
    name: 'Sam Strategist', email: uniqueEmail('sandbox'), password: PASSWORD,
    workspace: 'Sandbox Co', kind: 'brand',
  });
  const workspace = new WorkspacePage(page, app.url);
  await workspace.name.getByText('Sandbox Co').waitFor();
  const id = workspace.id();
  assert.ok(id, 'the workspace id is in the address');

  const data = new ConnectionsPage(page, app.url);
  await data.open(id);
  assert.equal(await data.chart.count(), 0, 'no chart before there is data');
  await data.connectSandbox();

  // The backfill runs in the background; the page shows how far it got.
  await data.progress.waitFor({ timeout: 15_000 });
  const value = Number(await data.progress.getAttribute('value'));
  assert.ok(value >= 0 && value < 100, `progress while running: ${value}`);

  // When it is done, the row says so and the chart of spend and revenue per channel appears.
  await data.done.waitFor({ timeout: 60_000 });
  await data.chart.waitFor({ timeout: 15_000 });
  assert.ok(await data.chart.locator('svg').count() >= 1, 'the chart is an SVG');
  const channels = await data.legend.allInnerTexts();
  for (const channel of ['search', 'social', 'video', 'display', 'shopping']) {
    assert.ok(channels.some((c) => c.includes(channel)), `${channel} is in the legend: ${channels}`);
  }
  assert.match(await data.kpis.innerText(), /search/);
  assert.match(await data.sandboxRow.innerText(), /Active/);
  assert.deepEqual(errors, [], 'no uncaught errors in the page');
  await context.close();
});

test('a CSV with one bad row imports nothing and names the row and column; the fixed file imports', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  const signUp = new SignUpPage(page, app.url);
  await signUp.open();
  await signUp.signUp({
    name: 'Casey Csv', email: uniqueEmail('csv'), password: PASSWORD,
    workspace: 'Csv Co', kind: 'brand',
  });
  const workspace = new WorkspacePage(page, app.url);
  await workspace.name.getByText('Csv Co').waitFor();
  const data = new ConnectionsPage(page, app.url);
  await data.open(workspace.id());

  const header = 'date,channel,campaign,currency,spend,impressions,clicks,conversions,revenue\n';
  const good = '2026-11-01,search,Brand search,USD,1250.00,48000,2100,95,11875.50\n';
  const bad = '2026-11-02,search,Brand search,USD,12.5.0,48000,2100,95,11875.50\n';
  await data.importCsv('metrics.csv', header + good + bad);

  // Line 3 (the header is line 1), the spend column.
  await data.importRefused.waitFor({ timeout: 15_000 });
  const problems = await data.importProblems.allInnerTexts();
  assert.equal(problems.length, 1, `one problem: ${problems}`);
  assert.match(problems[0], /^3\s+spend\s+/);
  assert.equal(await data.csvRow.count(), 0, 'nothing was imported');

  const fixed = '2026-11-02,search,Brand search,USD,12.50,48000,2100,95,11875.50\n';
  await data.importCsv('metrics.csv', header + good + fixed);
  await data.importDone.waitFor({ timeout: 15_000 });
  assert.match(await data.importDone.innerText(), /Imported 2 rows: 2 new days/);
  await data.csvRow.waitFor({ timeout: 15_000 });
  assert.deepEqual(errors, [], 'no uncaught errors in the page');
  await context.close();
});
