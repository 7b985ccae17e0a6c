// The floor: the least a broker may do for GET /login and for a code check under the lifecycle issue's fixed
// choices, written as directly as possible, with none of the broker's code. If this costs more than a target
// allows, the target is out of reach for any broker built on these choices, however well written.
//
// What the choices force, and nothing else:
// - Express + helmet, as the tutorial /login has them;
// - express-session stays the browser-session mechanism (the issue says so): GET /login makes a new session,
//   whose signed cookie binds the device that started (the relay defence, docs/security.md);
// - the number is parsed and checked (libphonenumber-js, max metadata: bad input gets a clear error);
// - state, nonce and a PKCE verifier and challenge (node:crypto, the cheapest), and openid-client's authorization URL;
// - a start is one durable write: the verification, its authorization state and the session in one IMMEDIATE
//   SQLite transaction (express-session's own write is then skipped, as the broker's adapter does);
// - a code check reads the session and the verification, compares the code's HMAC, writes the verified
//   verification in one transaction, and answers with an ES256 session token (node:crypto, the cheapest).
// Left out, though the broker needs them: start and attempt limits, the request log, metrics, the correlator,
// return-URL checks, error mapping, the webhook outbox, the timeline of events.
// env: PORT, ISSUER (the bench sandbox), DATA_DIR
import { createHash, createHmac, generateKeyPairSync, randomBytes, sign, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import * as client from 'openid-client';

const config = await client.discovery(new URL(process.env.ISSUER), 'floor-client', undefined, client.None(), { execute: [client.allowInsecureRequests] });
const db = new Database(path.join(process.env.DATA_DIR, 'floor.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`
  CREATE TABLE IF NOT EXISTS verifications (id TEXT PRIMARY KEY, data TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS authorization_states (state TEXT PRIMARY KEY, data TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
`);
const q = {
  insertVerification: db.prepare('INSERT INTO verifications (id, data) VALUES (?, ?)'),
  getVerification: db.prepare('SELECT data FROM verifications WHERE id = ?'),
  putVerification: db.prepare('UPDATE verifications SET data = ? WHERE id = ?'),
  insertState: db.prepare('INSERT INTO authorization_states (state, data) VALUES (?, ?)'),
  getSession: db.prepare('SELECT data FROM sessions WHERE sid = ? AND expires_at > ?'),
  putSession: db.prepare('INSERT OR REPLACE INTO sessions (sid, data, expires_at) VALUES (?, ?, ?)'),
};
const TTL_MS = 24 * 3600 * 1000;
const start = db.transaction((verification, authorization, sid, sessionData) => {
  q.insertVerification.run(verification.id, JSON.stringify(verification));
  q.insertState.run(authorization.state, JSON.stringify(authorization));
  q.putSession.run(sid, JSON.stringify(sessionData), Date.now() + TTL_MS);
});
const markVerified = db.transaction((verification) => q.putVerification.run(JSON.stringify(verification), verification.id));

/** express-session over the sessions table; a session the start's transaction wrote is not written again */
class FloorSessionStore extends session.Store {
  written = new Set();
  get(sid, callback) {
    const row = q.getSession.get(sid, Date.now());
    callback(null, row ? JSON.parse(row.data) : null);
  }
  set(sid, data, callback) {
    if (!this.written.delete(sid)) q.putSession.run(sid, JSON.stringify(data), Date.now() + TTL_MS);
    callback?.();
  }
  destroy(sid, callback) {
    callback?.();
  }
}
const sessions = new FloorSessionStore();
const codeKey = randomBytes(32);
const codeMac = (id, code) => createHmac('sha256', codeKey).update(`${id}:${code}`).digest();
const tokenKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const b64 = (json) => Buffer.from(JSON.stringify(json)).toString('base64url');

const app = express();
app.disable('x-powered-by');
app.use(helmet());
app.use(session({ secret: 'floor-secret-floor-secret-floor-secret', store: sessions, resave: false, saveUninitialized: false, rolling: false, cookie: { httpOnly: true, sameSite: 'lax', maxAge: TTL_MS } }));

app.get('/login', (req, res) => {
  const phone = parsePhoneNumberFromString(String(req.query.phoneNumber ?? ''));
  if (!phone?.isValid()) return res.status(400).json({ status: 400, code: 'INVALID_ARGUMENT', message: 'phoneNumber' });
  req.session.ownerId ??= randomBytes(16).toString('base64url');
  const [state, nonce, verifier] = [randomBytes(32), randomBytes(32), randomBytes(32)].map((b) => b.toString('base64url'));
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: 'http://127.0.0.1/callback',
    scope: 'openid number-verification:verify',
    login_hint: `tel:${phone.number}`,
    state,
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const now = new Date();
  const verification = { id: `vrf_${randomBytes(16).toString('base64url')}`, status: 'pending', phoneNumber: phone.number, ownerId: req.session.ownerId, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 600_000).toISOString() };
  start(verification, { state, nonce, verifier, verificationId: verification.id }, req.sessionID, req.session);
  sessions.written.add(req.sessionID);
  res.json({ verificationId: verification.id, status: verification.status, authUrl: url.href });
});

// preparation of the code-check row (not measured): a session and a verification waiting for its code
app.get('/seed', (req, res) => {
  req.session.ownerId ??= randomBytes(16).toString('base64url');
  const id = `vrf_${randomBytes(16).toString('base64url')}`;
  const code = String(100000 + (randomBytes(4).readUInt32BE() % 900000));
  q.insertVerification.run(id, JSON.stringify({ id, status: 'otp_sent', phoneNumber: '+34610000000', ownerId: req.session.ownerId, codeMac: codeMac(id, code).toString('base64url'), attempts: 0 }));
  res.json({ id, code });
});

app.post('/v1/verifications/:id/code', express.json({ limit: '16kb' }), (req, res) => {
  const row = q.getVerification.get(req.params.id);
  const verification = row && JSON.parse(row.data);
  if (!verification || verification.ownerId !== req.session.ownerId) return res.status(404).json({ status: 404, code: 'NOT_FOUND', message: 'no such verification' });
  if (verification.status !== 'otp_sent') return res.status(409).json({ status: 409, code: 'CONFLICT', message: verification.status });
  const given = codeMac(verification.id, String(req.body?.code ?? ''));
  if (!timingSafeEqual(given, Buffer.from(verification.codeMac, 'base64url'))) return res.status(400).json({ status: 400, code: 'INVALID_OTP', message: 'wrong code' });
  const verifiedAt = Math.floor(Date.now() / 1000);
  Object.assign(verification, { status: 'verified', verifiedAt: new Date().toISOString(), codeMac: undefined });
  markVerified(verification);
  const input = `${b64({ alg: 'ES256', kid: 'floor', typ: 'JWT' })}.${b64({ verification_id: verification.id, amr: ['sms'], auth_time: verifiedAt, iss: 'http://127.0.0.1', sub: verification.phoneNumber, aud: 'default', iat: verifiedAt, exp: verifiedAt + 600, jti: randomBytes(16).toString('base64url') })}`;
  const sessionToken = `${input}.${sign('sha256', Buffer.from(input), { key: tokenKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  res.set('Cache-Control', 'no-store').json({ verificationId: verification.id, status: verification.status, sessionToken });
});

// the readiness probe of bench/lib/processes.js
app.get('/', (_req, res) => res.json({ ok: true }));
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  server.closeAllConnections();
});
