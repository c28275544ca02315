// Starts `mixpilot serve` on the embedded default, in a fresh data directory, on a free port,
// and stops it with SIGTERM, checking that it shuts down cleanly.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

export async function startMixpilot({ demo = true, env: extraEnv = {} } = {}) {
  const bin = process.env.MIXPILOT_BIN;
  const siteRoot = process.env.MIXPILOT_SITE_ROOT;
  if (!bin || !siteRoot) throw new Error('MIXPILOT_BIN and MIXPILOT_SITE_ROOT must be set (scripts/test sets them)');
  const dataDir = mkdtempSync(join(tmpdir(), 'mixpilot-e2e-'));
  const args = ['serve', '--port', '0', '--data-dir', dataDir, ...(demo ? ['--demo'] : [])];
  // The embedded default: no database or Redis URL from the caller's environment.
  const env = { ...process.env, MIXPILOT_SITE_ROOT: siteRoot, MIXPILOT_LOG_LEVEL: 'warn', ...extraEnv };
  delete env.MIXPILOT_DATABASE_URL;
  delete env.MIXPILOT_REDIS_URL;
  const child = spawn(bin, args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mixpilot did not start in 60 s:\n${stderr}`)), 60_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/Mixpilot is running at (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`mixpilot exited with ${code}:\n${stderr}`)); });
  });
  return {
    url,
    output: () => stdout,
    async stop() {
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      rmSync(dataDir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`mixpilot exited with ${code} after SIGTERM:\n${stderr}`);
    },
  };
}
