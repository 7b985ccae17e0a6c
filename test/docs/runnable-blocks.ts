import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Block {
  code: string;
  /** the `# → …` lines: what the block prints, with `…` standing for the rest */
  expected: string[];
}

/** The fenced blocks of `lang` in `file`, between `<!-- NAME:start` and `<!-- NAME:end -->` when a name is given. */
export function fencedBlocks(file: string, lang: string, name?: string): Block[] {
  let text = readFileSync(file, 'utf8');
  if (name) {
    const start = text.indexOf(`<!-- ${name}:start`);
    const end = text.indexOf(`<!-- ${name}:end -->`);
    if (start < 0 || end < start) throw new Error(`${file} has no ${name}:start/end markers`);
    text = text.slice(start, end);
  }
  return [...text.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map(([, code]) => ({
    code,
    expected: [...code.matchAll(/^# → (.*)$/gm)].map(([, line]) => line),
  }));
}

/**
 * Runs the blocks in order in one bash (a later block may use what an earlier one set), with `env`, and
 * returns what each printed.
 */
export async function runBlocks(blocks: Block[], env: Record<string, string>, timeoutMs = 90_000): Promise<string[]> {
  const marker = (i: number) => `@@ block ${i} @@`;
  const script = blocks.map((block, i) => `echo '${marker(i)}'\n${block.code}`).join('\n');
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 }).catch((err) => {
    throw new Error(`the blocks failed (${err.code}):\n${err.stdout}\n${err.stderr}`);
  });
  return blocks.map((_, i) => stdout.split(marker(i) + '\n')[1].split('@@ block ')[0]);
}

/**
 * Whether one printed line reads as an expected `# → ` line: the text before its JSON starts the line, and
 * every `"key":"value"` pair of it is there (a value ending in `…` as a prefix).
 */
export function printedLineMatching(printed: string, expected: string): string | undefined {
  const brace = expected.indexOf('{');
  const lead = brace < 0 ? expected : expected.slice(0, brace);
  const pairs = [...expected.matchAll(/"(\w+)":"([^"]*)"/g)].map(([, key, value]) => (value.endsWith('…') ? `"${key}":"${value.slice(0, -1)}` : `"${key}":"${value}"`));
  if (!pairs.length) throw new Error(`an expected line names no "key":"value" to check: ${expected}`);
  return printed.split('\n').find((line) => line.startsWith(lead) && pairs.every((pair) => line.includes(pair)));
}
