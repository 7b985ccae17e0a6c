import { describe, expect, it } from '@jest/globals';

import { ConfigInvalid, loadConfig } from '../../src/config/index.js';

const load = (env: Record<string, string>) => loadConfig({ DATA_DIR: '/tmp/broker-config-test', ...env });

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigInvalid) return err.problems;
    throw err;
  }
  return [];
}

describe('sandbox SIM swaps and recycled numbers (SANDBOX_SIM_SWAPS, SANDBOX_RECYCLED)', () => {
  it('marks nothing by default', () => {
    expect(load({}).sandbox.lines).toEqual({ simSwaps: {}, recycledNumbers: {} });
  });

  it('reads +E164=HOURS_AGO and +E164=YYYY-MM-DD lists', () => {
    const { lines } = load({ SANDBOX_SIM_SWAPS: '+34600000003=2, +34600000002=0.5', SANDBOX_RECYCLED: '+34600000003=2026-01-01' }).sandbox;
    expect(lines).toEqual({ simSwaps: { '+34600000003': 2, '+34600000002': 0.5 }, recycledNumbers: { '+34600000003': '2026-01-01' } });
  });

  it.each([
    ['SANDBOX_SIM_SWAPS', '+34600000003=two'],
    ['SANDBOX_SIM_SWAPS', '34600000003=2'],
    ['SANDBOX_SIM_SWAPS', '+34600000003=-1'],
    ['SANDBOX_RECYCLED', '+34600000003=2026-02-30'],
    ['SANDBOX_RECYCLED', '+34600000003=01/01/2026'],
  ])('refuses %s=%s at start, naming the entry', (name, value) => {
    expect(problemsOf({ [name]: value }).join('\n')).toContain(`"${value}"`);
  });
});
