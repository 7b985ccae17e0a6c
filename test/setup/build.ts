import { execFileSync } from 'node:child_process';

/**
 * Builds dist/ once before the suites that run the broker as a process (restart, kill, several instances).
 * Incremental, so a build that is up to date costs about a second. tsc emits even when it reports type
 * errors; those fail `npm run typecheck` in CI, not every test here.
 */
export default function build(): void {
  try {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'pipe' });
  } catch (err) {
    console.warn(`\ntsc reported errors while building dist/ for process tests:\n${(err as { stdout?: Buffer }).stdout?.toString().slice(0, 2000)}`);
  }
}
