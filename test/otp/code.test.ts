import { describe, it, expect } from '@jest/globals';
import { codeMatches, generateCode, hashCode } from '../../src/otp/code.js';

const secret = Buffer.from('0123456789abcdef0123456789abcdef');

describe('generateCode', () => {
  it('makes codes of every length from 4 to 10, digits only', () => {
    for (let length = 4; length <= 10; length++) {
      for (let i = 0; i < 50; i++) expect(generateCode(length)).toMatch(new RegExp(`^[0-9]{${length}}$`));
    }
  });

  it('refuses lengths outside 4..10 and non-integers', () => {
    for (const length of [0, 3, 11, 6.5, Number.NaN]) expect(() => generateCode(length)).toThrow(RangeError);
  });

  it('uses every digit in every position, leading zeros included, roughly evenly', () => {
    const counts = Array.from({ length: 6 }, () => new Array<number>(10).fill(0));
    const draws = 5000;
    for (let i = 0; i < draws; i++) {
      [...generateCode(6)].forEach((digit, position) => counts[position][Number(digit)]++);
    }
    for (const perPosition of counts) {
      for (const count of perPosition) {
        // expected 500 per digit; 350..650 is far outside chance for a uniform source
        expect(count).toBeGreaterThan(350);
        expect(count).toBeLessThan(650);
      }
    }
  });

  it('rarely repeats a code', () => {
    const codes = new Set(Array.from({ length: 1000 }, () => generateCode(8)));
    expect(codes.size).toBeGreaterThan(990);
  });
});

describe('hashCode and codeMatches', () => {
  it('stores an HMAC-SHA256 hex digest, not the code', () => {
    const hash = hashCode(secret, 'verification-1', '123456');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain('123456');
  });

  it('matches the code it was made from', () => {
    const hash = hashCode(secret, 'verification-1', '012345');
    expect(codeMatches(secret, 'verification-1', '012345', hash)).toBe(true);
  });

  it('a code is worthless for another verification', () => {
    const hash = hashCode(secret, 'verification-1', '123456');
    expect(codeMatches(secret, 'verification-2', '123456', hash)).toBe(false);
  });

  it('a hash is worthless without the secret', () => {
    const hash = hashCode(secret, 'verification-1', '123456');
    expect(codeMatches(Buffer.from('another secret'), 'verification-1', '123456', hash)).toBe(false);
  });

  it('rejects a wrong code, and the code without its leading zero', () => {
    const hash = hashCode(secret, 'v', '012345');
    expect(codeMatches(secret, 'v', '012346', hash)).toBe(false);
    expect(codeMatches(secret, 'v', '12345', hash)).toBe(false);
  });

  it('answers false, without throwing, for input that is not 4 to 10 digits', () => {
    const hash = hashCode(secret, 'v', '123456');
    for (const guess of ['', '123', '12345678901', '12345a', ' 123456', '123456 ', '１２３４５６', '-12345', '1e5000']) {
      expect(codeMatches(secret, 'v', guess, hash)).toBe(false);
    }
    expect(codeMatches(secret, 'v', 123456 as unknown as string, hash)).toBe(false);
    expect(codeMatches(secret, 'v', undefined as unknown as string, hash)).toBe(false);
  });

  it('answers false, without throwing, for a stored hash of the wrong length or alphabet', () => {
    const hash = hashCode(secret, 'v', '123456');
    for (const stored of ['', hash.slice(0, 63), `${hash}00`, 'z'.repeat(64)]) {
      expect(() => codeMatches(secret, 'v', '123456', stored)).not.toThrow();
      expect(codeMatches(secret, 'v', '123456', stored)).toBe(false);
    }
  });

  it('accepts the stored hash in upper case hex', () => {
    const hash = hashCode(secret, 'v', '123456');
    expect(codeMatches(secret, 'v', '123456', hash.toUpperCase())).toBe(true);
  });

  it('binds with "bindingId:code", so a colon in the binding id cannot be used to shift digits over', () => {
    // "a:1" + ":" + "2345" and "a" + ":" + "1:2345" would collide only if codes could hold ':'
    const hash = hashCode(secret, 'a:1', '2345');
    expect(codeMatches(secret, 'a', '1:2345', hash)).toBe(false);
    expect(codeMatches(secret, 'a:1', '2345', hash)).toBe(true);
  });
});
