import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('install (the README says npm install; CI runs npm ci)', () => {
  it('npm ci accepts the committed lockfile: it lists every platform\'s optional packages, so a clean clone installs as is', async () => {
    // package.json and the lockfile alone: what npm ci checks before it downloads anything (offline, no scripts)
    const dir = mkdtempSync(path.join(tmpdir(), 'npm-ci-'));
    try {
      for (const file of ['package.json', 'package-lock.json']) copyFileSync(file, path.join(dir, file));
      const result = await run('npm', ['ci', '--dry-run', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], { cwd: dir, env: { ...process.env, npm_config_loglevel: 'error' } }).catch((err) => err);
      expect({ code: result.code ?? 0, stderr: String(result.stderr).split('\n').filter((l) => /Missing|Invalid|in sync/.test(l)) }).toEqual({ code: 0, stderr: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('.nvmrc names a Node version that package.json engines allows', () => {
    const nvmrc = readFileSync('.nvmrc', 'utf8').trim();
    const engines = JSON.parse(readFileSync('package.json', 'utf8')).engines.node as string;
    expect(engines).toBe('>=20.19');
    expect(nvmrc).toMatch(/^(2[0-9])(\.\d+){0,2}$/);
    expect(Number(nvmrc.split('.')[0])).toBeGreaterThanOrEqual(20);
  });
});
