// Starts the real `redress` binary for a browser test: a fresh data directory, users added
// with `redress user add` before the server starts, port 0, and the address read from the
// server's "redress listening on HOST:PORT" line.
//
//   const server = await startServer({users: [{name: 'hana', role: 'handler', password: '...'}]});
//   ... server.url ...
//   await server.stop();   // SIGTERM, then the data directory is deleted
//
// REDRESS_BIN (default build/redress) and REDRESS_SOURCE_DIR (default this checkout) say
// which binary and which policies/ to use.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const sourceDir = resolve(process.env.REDRESS_SOURCE_DIR ||
  fileURLToPath(new URL('../..', import.meta.url)));
export const binary = resolve(sourceDir, process.env.REDRESS_BIN || 'build/redress');

export async function startServer({ users = [], timeoutMs = 20000 } = {}) {
  if (!existsSync(binary)) {
    throw new Error(`redress binary not found at ${binary}: build it, or set REDRESS_BIN`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'redress-e2e-'));
  for (const u of users) {
    const args = ['user', 'add', '--name', u.name, '--role', u.role, '--password-stdin', '--data', dataDir];
    if (u.displayName) args.push('--display-name', u.displayName);
    const r = spawnSync(binary, args, { input: `${u.password}\n`, encoding: 'utf8', timeout: 30000 });
    if (r.status !== 0) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`redress user add ${u.name} failed (${r.status}): ${r.stderr || r.stdout}`);
    }
  }
  const child = spawn(binary, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0',
    '--policies', join(sourceDir, 'policies')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (stderr.length > 20000) stderr = stderr.slice(-20000);
  });
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));

  const address = await new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`redress did not start within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /redress listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rej(new Error(`redress exited (${code ?? signal}) before listening:\n${stderr}`));
    });
  }).catch((err) => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });

  let stopped = false;
  return {
    url: `http://${address}`,
    dataDir,
    get stderr() { return stderr; },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
