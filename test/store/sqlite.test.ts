import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { StoreUnavailable } from '../../src/errors.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { describeStoreContract } from './contract.js';

// a file rather than :memory:, so several instances (connections) can share it as the contract needs
describeStoreContract('SQLite', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'store-contract-'));
  const file = path.join(dir, 'broker.sqlite');
  return {
    open: async () => createSqliteStore({ file }),
    destroy: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('the SQLite store after close', () => {
  it('answers StoreUnavailable (503), not a TypeError', async () => {
    const store = createSqliteStore({ file: ':memory:' });
    await store.close();
    await expect(store.getVerification('vrf_x')).rejects.toBeInstanceOf(StoreUnavailable);
  });
});
