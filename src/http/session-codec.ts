import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type session from 'express-session';

/**
 * How the session adapter stores express-session's data: small, so a browser in the middle of a verification
 * costs little of the in-flight budget (1 KiB of Redis per verification, test/store/redis-memory.test.ts).
 * The JSON is deflated with a preset dictionary (a typical session), so the cookie's fixed fields cost a few
 * bits and only the expiry and the owner id take room.
 *
 * Format: a version byte, then the body. 1 = deflated JSON. A value starting with `{` is plain JSON (what
 * SQLite data dirs of schema version 1 hold). The dictionary is part of the stored format: never edit it;
 * add a version (and keep reading the old one) instead. (It was src/store/redis/compact.ts's, unchanged, so
 * sessions Redis holds from before stay readable.)
 */
const DEFLATED = 1;
const PLAIN = 0x7b; // '{'

const at = '"2025-06-01T12:00:00.000Z"';
const DICTIONARY = Buffer.from(
  '{"cookie":{"originalMaxAge":86400000,"expires":' + at + ',"secure":true,"secure":false,"httpOnly":true,"path":"/","sameSite":"lax"},"ownerId":"',
);

export function packSession(data: session.SessionData): Buffer {
  return Buffer.concat([Buffer.of(DEFLATED), deflateRawSync(JSON.stringify(data), { dictionary: DICTIONARY, level: 6 })]);
}

export function unpackSession(stored: Buffer): session.SessionData {
  if (stored[0] === PLAIN) return JSON.parse(stored.toString('utf8')) as session.SessionData;
  if (stored[0] === DEFLATED) return JSON.parse(inflateRawSync(stored.subarray(1), { dictionary: DICTIONARY }).toString('utf8')) as session.SessionData;
  throw new TypeError(`unknown format ${stored[0]} of a stored session`);
}
