// Child processes of the benchmark: the servers under test, each in its own process, on loopback only.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CPU_PROBE = fileURLToPath(new URL('./cpu-probe.js', import.meta.url));

/** A free loopback port (the kernel picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `node [nodeArgs] script` with only the given environment, an IPC channel for the CPU probe
 * (bench/lib/cpu-probe.js, preloaded), and waits until `readyUrl` answers 2xx (at most `timeoutMs`).
 */
export async function startNode(name, script, { env = {}, nodeArgs = [], readyUrl, timeoutMs = 20000 } = {}) {
  const child = spawn(process.execPath, ['--import', CPU_PROBE, ...nodeArgs, script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (d) => {
    output += d;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  // never leave a server behind, whatever ends the benchmark
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  exited.then(() => process.off('exit', killOnExit));

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(readyUrl, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer ${readyUrl} within ${timeoutMs} ms:\n${output}`);
    }
    await sleep(100);
  }

  let asked = 0;
  const pending = new Map();
  child.on('message', (m) => {
    if (m && m.type === 'bench:reply') {
      pending.get(m.id)?.(m.value);
      pending.delete(m.id);
    }
  });
  /** Asks the child for one of `cpu` (process.cpuUsage(), µs) or `memory` (process.memoryUsage()). */
  const ask = (what) =>
    new Promise((resolve, reject) => {
      const id = ++asked;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name} did not answer the ${what} probe`));
      }, 5000);
      pending.set(id, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
      child.send({ type: 'bench:ask', id, what });
    });

  return {
    name,
    pid: child.pid,
    output: () => output,
    /** CPU time of the child process (user + system), in milliseconds */
    cpuMs: async () => {
      const { user, system } = await ask('cpu');
      return (user + system) / 1000;
    },
    memory: () => ask('memory'),
    /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code or signal */
    stop: async (graceMs = 8000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
