import { randomFillSync } from 'node:crypto';

/**
 * Random ids and secrets (verification ids, session ids, owner ids, state/nonce/PKCE verifiers, completion
 * codes), drawn from a pool of CSPRNG bytes filled 4 KiB at a time. Why a pool: each `randomBytes` call crosses
 * into OpenSSL, and a start needs five or six of them; the profile of GET /login showed that crossing as ~9% of
 * its CPU. The bytes are the same CSPRNG output (Node caches randomUUID's entropy the same way); each byte is
 * handed out once and then overwritten in the pool, never reused.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** `bytes` random bytes (at most 1 KiB), as base64url. */
export function randomToken(bytes: number): string {
  return randomBuffer(bytes).toString('base64url');
}

/** `bytes` random bytes (at most 1 KiB), copied out of the pool. */
export function randomBuffer(bytes: number): Buffer {
  if (bytes > 1024) throw new RangeError('randomBuffer hands out at most 1 KiB at a time');
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + bytes));
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return out;
}
