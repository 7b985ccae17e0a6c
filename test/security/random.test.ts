import { describe, expect, it } from '@jest/globals';
import { randomBuffer, randomToken } from '../../src/random.js';

describe('pooled random ids', () => {
  it('hands out every byte once: 20,000 tokens across several pool refills are all distinct and of the right size', () => {
    const tokens = Array.from({ length: 20_000 }, (_, i) => randomToken(i % 2 ? 16 : 32));
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(tokens.every((t, i) => t.length === (i % 2 ? 22 : 43) && /^[A-Za-z0-9_-]+$/.test(t))).toBe(true);
  });

  it('returns copies: changing one never changes the next', () => {
    const a = randomBuffer(32);
    const b = randomBuffer(32);
    a.fill(0);
    expect(b.equals(Buffer.alloc(32))).toBe(false);
  });

  it('looks uniform: each byte value about equally often over 1 MiB', () => {
    const counts = new Array(256).fill(0);
    for (let i = 0; i < 1024; i++) for (const byte of randomBuffer(1024)) counts[byte]++;
    // expected 4096 each; a CSPRNG stays well within ±10%
    expect(Math.min(...counts)).toBeGreaterThan(3686);
    expect(Math.max(...counts)).toBeLessThan(4506);
  });

  it('refuses more than 1 KiB at a time', () => {
    expect(() => randomBuffer(1025)).toThrow(RangeError);
  });
});
