import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { typedRecords, type RawRecords } from '../../src/store/records.js';

describe('typed records', () => {
  it('a record that does not fit its schema reads as absent, and the store warns once per namespace, naming no key', async () => {
    const stored = new Map<string, string>([
      ['users|a', '{"name":1}'],
      ['users|b', '{"name":2}'],
      ['tokens|x', 'not json'],
      ['users|c', '{"name":"ok"}'],
    ]);
    const raw: RawRecords = {
      get: async (ns, key) => stored.get(`${ns}|${key}`),
      put: async (ns, key, json) => void stored.set(`${ns}|${key}`, json),
      delete: async (ns, key) => void stored.delete(`${ns}|${key}`),
    };
    const warnings: object[] = [];
    const records = typedRecords(raw, { warn: (obj) => void warnings.push(obj) });
    const User = { namespace: 'users', schema: z.object({ name: z.string() }) };
    expect(await records.get(User, 'a')).toBeUndefined();
    expect(await records.get(User, 'b')).toBeUndefined();
    expect(await records.get(User, 'c')).toEqual({ name: 'ok' });
    expect(await records.get({ namespace: 'tokens', schema: z.string() }, 'x')).toBeUndefined();
    expect(warnings).toEqual([{ namespace: 'users' }, { namespace: 'tokens' }]);
  });
});
