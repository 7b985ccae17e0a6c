// The floor: the least a broker may do for GET /login, for a code check and for a complete silent verification
// under the lifecycle issue's fixed choices, written as directly as possible, with none of the broker's code.
// If this costs more than a target allows, the target is out of reach for any broker built on these choices,
// however well written.
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
//   verification in one transaction, and answers with an ES256 session token (node:crypto, the cheapest);
// - a silent verification is GET /login?…&redirect=true (the same start, then a 302 to the operator) and
//   GET /callback: one transaction takes the authorization state (DELETE … RETURNING) and reads the
//   verification, whose owner must be the session's; openid-client v6's authorization code grant (state, iss,
//   PKCE, the ID token's claims) with a private_key_jwt client assertion signed with node:crypto; the ID token's
//   signature checked with node:crypto against the operator's JWKS (fetched once, at start); the CAMARA
//   Number Verification POST /verify with the access token; the verified verification written in one
//   transaction; a 302 to the result page. Every call to the operator goes over node:http with a keep-alive
//   agent (openid-client's customFetch too), the cheapest client; the client's public key is served at
//   /.well-known/jwks.json for the operator to check the assertions.
// Left out, though the broker needs them: start and attempt limits, the request log, metrics, the correlator
// of our own requests (a fresh one is sent to the operator), return-URL checks, error mapping and the SMS
// fallback, operator routing, JWKS refresh on an unknown kid, the webhook outbox, the timeline of events.
// env: PORT, PUBLIC_URL (default http://127.0.0.1:PORT; its /callback is the redirect_uri), ISSUER (the bench
// sandbox, which registers this program as client `broker-sandbox`), DATA_DIR
import { createHash, createHmac, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign, timingSafeEqual, verify } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import * as client from 'openid-client';

const PORT = Number(process.env.PORT);
const PUBLIC = process.env.PUBLIC_URL ?? `http://127.0.0.1:${PORT}`;
const REDIRECT_URI = `${PUBLIC}/callback`;
const CLIENT_ID = 'broker-sandbox';

/** one call to the operator over node:http and a keep-alive agent; resolves with the status, headers and whole body */
const agent = new http.Agent({ keepAlive: true, timeout: 4000, scheduling: 'lifo' });
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined || body === null ? undefined : Buffer.from(body.toString());
    const sent = { ...headers };
    if (payload) sent['content-length'] = payload.length;
    if (body instanceof URLSearchParams) sent['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    const req = http.request(url, { method, headers: sent, agent, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode, statusText: res.statusMessage ?? '', rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer`)));
    req.on('error', reject);
    req.end(payload);
  });
}
/** openid-client's customFetch: the same call, answered as a WHATWG Response */
const leanFetch = async (url, options) => {
  const answer = await request(url, { method: options.method, headers: options.headers, body: options.body });
  const headers = new Headers();
  for (let i = 0; i < answer.rawHeaders.length; i += 2) headers.append(answer.rawHeaders[i], answer.rawHeaders[i + 1]);
  const empty = answer.body.length === 0 || [204, 205, 304].includes(answer.status);
  return new Response(empty ? null : answer.body, { status: answer.status, statusText: answer.statusText, headers });
};

// the client's key (ES256): private_key_jwt assertions signed with node:crypto, the public half at /.well-known/jwks.json
const clientKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const CLIENT_KID = 'floor-client';
const clientJwks = { keys: [{ ...clientKeys.publicKey.export({ format: 'jwk' }), kid: CLIENT_KID, alg: 'ES256', use: 'sig' }] };
const b64 = (json) => Buffer.from(JSON.stringify(json)).toString('base64url');
const signJwt = (key, header, claims) => {
  const input = `${b64({ alg: 'ES256', ...header })}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
};
/** private_key_jwt (RFC 7523 §2.2): iss = sub = client_id, aud = the token endpoint, a fresh jti, 60 s */
const clientAuth = (as, clientMetadata, body) => {
  const now = Math.floor(Date.now() / 1000);
  const assertion = signJwt(clientKeys.privateKey, { kid: CLIENT_KID }, { jti: randomBytes(32).toString('base64url'), aud: as.token_endpoint, exp: now + 60, iat: now, nbf: now, iss: clientMetadata.client_id, sub: clientMetadata.client_id });
  body.set('client_id', clientMetadata.client_id);
  body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  body.set('client_assertion', assertion);
};

const ISSUER = process.env.ISSUER;
const config = await client.discovery(new URL(ISSUER), CLIENT_ID, { redirect_uris: [REDIRECT_URI] }, clientAuth, { execute: [client.allowInsecureRequests], [client.customFetch]: leanFetch });
config[client.customFetch] = leanFetch;
// the lean request's own socket timeout bounds each call: no AbortSignal.timeout per call
config.timeout = 0;
const as = config.serverMetadata();
// the operator's ID-token keys, fetched once (RS256 is the OIDC default and the sandbox's)
const idTokenKeys = new Map(JSON.parse((await request(as.jwks_uri)).body.toString()).keys.map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: 'jwk' })]));
const VERIFY_URL = `${ISSUER}/number-verification/v2/verify`;
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
  takeState: db.prepare('DELETE FROM authorization_states WHERE state = ? RETURNING data'),
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
/** the callback's first transaction: the authorization state, taken (once only), and its verification */
const takeAuthorization = db.transaction((state) => {
  const taken = q.takeState.get(state);
  if (!taken) return undefined;
  const authorization = JSON.parse(taken.data);
  const row = q.getVerification.get(authorization.verificationId);
  return { authorization, verification: row && JSON.parse(row.data) };
});

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
    redirect_uri: REDIRECT_URI,
    scope: 'openid number-verification:verify',
    login_hint: `tel:${phone.number}`,
    state,
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const now = new Date();
  const verification = { id: `vrf_${randomBytes(16).toString('base64url')}`, status: 'pending', phoneNumber: phone.number, ownerId: req.session.ownerId, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 600_000).toISOString() };
  start.immediate(verification, { state, nonce, verifier, verificationId: verification.id }, req.sessionID, req.session);
  sessions.written.add(req.sessionID);
  if (req.query.redirect === 'true') return res.redirect(302, url.href);
  res.json({ verificationId: verification.id, status: verification.status, authUrl: url.href });
});

app.get('/.well-known/jwks.json', (_req, res) => res.json(clientJwks));

/** RS256 (PKCS #1 v1.5, SHA-256) signature of a compact JWS, against the operator's keys */
function idTokenSigned(jwt) {
  const [header, payload, signature] = jwt.split('.');
  const key = idTokenKeys.get(JSON.parse(Buffer.from(header, 'base64url')).kid);
  return Boolean(key) && verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'));
}

app.get('/callback', async (req, res) => {
  const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
  const taken = takeAuthorization.immediate(String(req.query.state ?? ''));
  const verification = taken?.verification;
  if (!verification || verification.ownerId !== req.session.ownerId) return res.status(400).json({ status: 400, code: 'INVALID_STATE', message: 'unknown state or another session' });
  const { authorization } = taken;
  const currentUrl = new URL(REDIRECT_URI + query);
  const tokens = await client.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: authorization.verifier, expectedState: authorization.state, expectedNonce: authorization.nonce, idTokenExpected: true });
  if (!idTokenSigned(tokens.id_token)) throw new Error('the ID token signature does not verify');
  const answer = await request(VERIFY_URL, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.access_token}`, 'x-correlator': randomUUID(), accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ phoneNumber: verification.phoneNumber }),
  });
  const verified = answer.status === 200 && JSON.parse(answer.body.toString()).devicePhoneNumberVerified === true;
  Object.assign(verification, { status: verified ? 'verified' : 'failed', [verified ? 'verifiedAt' : 'failedAt']: new Date().toISOString() });
  markVerified.immediate(verification);
  res.set('Cache-Control', 'no-store').redirect(302, `${PUBLIC}/result.html?status=${verification.status}&verificationId=${verification.id}`);
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
  const sessionToken = signJwt(tokenKey, { kid: 'floor', typ: 'JWT' }, { verification_id: verification.id, amr: ['sms'], auth_time: verifiedAt, iss: 'http://127.0.0.1', sub: verification.phoneNumber, aud: 'default', iat: verifiedAt, exp: verifiedAt + 600, jti: randomBytes(16).toString('base64url') });
  res.set('Cache-Control', 'no-store').json({ verificationId: verification.id, status: verification.status, sessionToken });
});

// the readiness probe of bench/lib/processes.js
app.get('/', (_req, res) => res.json({ ok: true }));
const server = app.listen(PORT, '127.0.0.1');
process.on('SIGTERM', () => {
  server.close(() => {
    agent.destroy();
    db.close();
    process.exit(0);
  });
  server.closeAllConnections();
});
