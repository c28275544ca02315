// The server-rendered HTML arrives complete, and references a wasm bundle that is served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMixpilot } from '../support/server.mjs';

let app;
before(async () => { app = await startMixpilot(); });
after(async () => { await app?.stop(); });

test('the home page is server-rendered HTML that references the wasm bundle', async () => {
  const res = await fetch(`${app.url}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/html/);
  const html = await res.text();
  assert.match(html, /<main id="main"/);
  assert.match(html, /Put every marketing dollar where it earns the most/);
  assert.match(html, /<nav aria-label="Main">/);
  assert.match(html, /\/pkg\/web\.js/);
  assert.match(html, /\/pkg\/web_bg\.wasm/);
});

test('the wasm bundle and its loader are served', async () => {
  const js = await fetch(`${app.url}/pkg/web.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /javascript/);
  const wasm = await fetch(`${app.url}/pkg/web_bg.wasm`);
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  const bytes = new Uint8Array(await wasm.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'wasm magic number');
});

test('--demo prints the demo workspace and its sign-in', () => {
  assert.match(app.output(), /Demo workspace: /);
  assert.match(app.output(), /Demo sign-in: /);
});
