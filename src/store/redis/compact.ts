import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AuthorizationState, Verification } from '../../domain/verification.js';

/**
 * The in-flight records made small, so a verification waiting for the operator (its record, authorization
 * state and session) stays within 1 KiB of Redis memory (the session's encoding, the same idea, is the
 * session adapter's: src/http/session-codec.ts):
 * - what the key already says is not stored again (the verification id, the state);
 * - the JSON is deflated with a preset dictionary per kind of record: a typical record, so field names,
 *   statuses and event types cost a few bits and only what is unique (ids, the number, times) takes room;
 *   a new field still works, it only compresses less;
 * - the PKCE verifier and the nonce (base64url of 32 random bytes, which deflate cannot shrink) are kept
 *   as their 64 raw bytes when they are exactly that.
 *
 * Format: a version byte, then the body. 1 = deflated JSON; 2 = (authorization state) verifier and nonce raw,
 * then deflated JSON. A value starting with `{` is plain JSON. The dictionaries are part of the stored format:
 * never edit one; add a version (and keep reading the old one) instead.
 */
const DEFLATED = 1;
const SECRETS_RAW = 2;
const PLAIN = 0x7b; // '{'

const at = '"2025-06-01T12:00:00.000Z"';
const DICTIONARIES = {
  verification: Buffer.from(
    '{"type":"number_checked","detail":{"match":true}},{"at":' + at + ',"type":"verified"}],"otp":{"codeHash":"","expiresAt":' + at +
      ',"attempts":0,"sends":1,"lastSentAt":' + at + ',"provider":"console"},"status":"otp_sent","method":"sms_otp","reason":"number_mismatch",' +
      '"reason":"access_denied","status":"fallback_required","status":"verified","verifiedAt":' + at + ',"lang":"es",' +
      '{"applicationId":"default","phoneNumber":"+34600000000","status":"silent_auth_in_progress","method":"silent_auth",' +
      '"network":"cellular","ownerId":"","operatorId":"sandbox","returnUrl":"https://","createdAt":' + at + ',"updatedAt":' + at +
      ',"expiresAt":' + at + ',"events":[{"at":' + at + ',"type":"created","detail":{"network":"cellular"}},{"at":' + at +
      ',"type":"operator_redirect","detail":{"operator":"sandbox"}}',
  ),
  authorizationState: Buffer.from('{"verificationId":"vrf_","operatorId":"sandbox","expiresAt":' + at + '}'),
};
type Kind = keyof typeof DICTIONARIES;

function deflate(kind: Kind, value: unknown): Buffer {
  return deflateRawSync(JSON.stringify(value), { dictionary: DICTIONARIES[kind], level: 6 } /* 9 doubles the CPU for the same ~88 bytes */);
}

function inflate<T>(kind: Kind, body: Buffer): T {
  return JSON.parse(inflateRawSync(body, { dictionary: DICTIONARIES[kind] }).toString('utf8')) as T;
}

function read<T>(kind: Kind, stored: Buffer): T {
  if (stored[0] === PLAIN) return JSON.parse(stored.toString('utf8')) as T;
  if (stored[0] === DEFLATED) return inflate<T>(kind, stored.subarray(1));
  throw new TypeError(`unknown format ${stored[0]} of a stored ${kind}`);
}

export function packVerification({ id: _id, ...rest }: Verification): Buffer {
  return Buffer.concat([Buffer.of(DEFLATED), deflate('verification', rest)]);
}

export function unpackVerification(id: string, stored: Buffer): Verification {
  return { id, ...read<Omit<Verification, 'id'>>('verification', stored) };
}

/** 32 random bytes in base64url, as openid-client makes PKCE verifiers and nonces */
const RAW_SECRET = /^[A-Za-z0-9_-]{43}$/;

export function packAuthorizationState({ state: _state, codeVerifier, nonce, ...rest }: AuthorizationState): Buffer {
  if (RAW_SECRET.test(codeVerifier) && RAW_SECRET.test(nonce)) {
    const raw = [Buffer.from(codeVerifier, 'base64url'), Buffer.from(nonce, 'base64url')];
    if (raw[0].toString('base64url') === codeVerifier && raw[1].toString('base64url') === nonce) {
      return Buffer.concat([Buffer.of(SECRETS_RAW), ...raw, deflate('authorizationState', rest)]);
    }
  }
  return Buffer.concat([Buffer.of(DEFLATED), deflate('authorizationState', { codeVerifier, nonce, ...rest })]);
}

export function unpackAuthorizationState(state: string, stored: Buffer): AuthorizationState {
  if (stored[0] !== SECRETS_RAW) return { state, ...read<Omit<AuthorizationState, 'state'>>('authorizationState', stored) };
  const codeVerifier = stored.subarray(1, 33).toString('base64url');
  const nonce = stored.subarray(33, 65).toString('base64url');
  return { state, codeVerifier, nonce, ...inflate<Omit<AuthorizationState, 'state' | 'codeVerifier' | 'nonce'>>('authorizationState', stored.subarray(65)) };
}
