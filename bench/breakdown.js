// node bench/breakdown.js [--quick]  (after npm run build)
// What one operation of the broker costs, piece by piece, in CPU microseconds: the building blocks of
// GET /login (in this process, with the broker's own modules and a real SQLite store) and of /callback
// (HTTP clients, signatures). It explains the figures of `npm run bench`; see docs/performance.md.
import { createHash, KeyObject, randomBytes, verify } from 'node:crypto';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import axios from 'axios';
import * as jose from 'jose';
import * as client from 'openid-client';
import { buildDeps } from '../dist/build-deps.js';
import { loadConfig } from '../dist/config/index.js';
import { verificationView } from '../dist/flows/read-verification.js';
import { startVerification } from '../dist/flows/start-verification.js';
import { createLogger } from '../dist/logging.js';
import { signCompactJwt } from '../dist/keys/compact-jwt.js';
import { LeanHttp } from '../dist/operator/lean-http.js';
import { parseE164 } from '../dist/phone.js';
import { freePort, startNode, tempDir } from './lib/processes.js';
import { RAISED_SMS_LIMITS, simsFor } from './lib/stack.js';

const quick = process.argv.includes('--quick');
const N = quick ? 300 : 2000;
const results = [];

/** CPU (user + system) µs per call of `fn`, after a warm-up; `n` calls one after another. */
async function cost(group, name, fn, n = N) {
  for (let i = 0; i < Math.min(200, n); i++) await fn(i);
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn(i);
  const used = process.cpuUsage(before);
  const us = (used.user + used.system) / n;
  results.push({ group, name, us: Math.round(us) });
  process.stderr.write(`  ${name}: ${Math.round(us)} µs\n`);
}

const data = tempDir('bench-breakdown-');
const sandboxPort = await freePort();
const issuer = `http://127.0.0.1:${sandboxPort}`;
const sandbox = await startNode('sandbox operator', 'bench/servers/sandbox.js', {
  env: { PORT: String(sandboxPort), BROKER_URL: 'http://127.0.0.1:9', SIMS: JSON.stringify(simsFor(1)) },
  readyUrl: `${issuer}/.well-known/openid-configuration`,
});
// a tiny JSON server in its own process, as the far end of the HTTP-client rows
const echoPort = await freePort();
const echo = await startNode('echo server', 'bench/servers/hello-http.js', { env: { PORT: String(echoPort) }, readyUrl: `http://127.0.0.1:${echoPort}/` });

try {
  const brokerConfig = path.join(data.dir, 'broker-config.json');
  writeFileSync(brokerConfig, JSON.stringify({ operators: [{ id: 'sandbox', issuer, clientId: 'broker-sandbox', apiRoot: issuer, prefixes: ['+'] }] }));
  const config = loadConfig({ ...RAISED_SMS_LIMITS, DATA_DIR: data.dir, PUBLIC_URL: 'http://127.0.0.1:3000', SANDBOX: 'off', LOG_LEVEL: 'silent', BROKER_CONFIG: brokerConfig, SMS_PROVIDERS: 'http', SMS_HTTP_URL: 'http://127.0.0.1:9/sms', SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}' });
  const logger = createLogger({ level: 'silent', pretty: false });
  const { deps } = await buildDeps(config, { logger, operators: config.operators });
  const operator = config.operators[0];

  process.stderr.write('GET /login, piece by piece (in process, SQLite):\n');
  await cost('start', 'startVerification (whole flow: ids, PKCE, authorization URL, 2 inserts)', (i) =>
    startVerification(deps, { phoneNumber: '+34600000002', network: 'unknown', ownerId: `owner-${i}` }),
  );
  await cost('start', 'parseE164 (libphonenumber-js, max metadata)', () => parseE164('+34600000002'));
  const auth = () => ({ state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() });
  await cost('start', 'state + nonce + PKCE verifier (openid-client random)', () => auth());
  await cost('start', 'PKCE S256 challenge, openid-client (WebCrypto, async)', () => client.calculatePKCECodeChallenge('x'.repeat(43)));
  await cost('start', 'PKCE S256 challenge, node:crypto createHash (sync)', () => createHash('sha256').update('x'.repeat(43)).digest('base64url'));
  await cost('start', 'operators.beginAuthorization (state, nonce, PKCE verifier and challenge, URL)', () => deps.operators.beginAuthorization(operator, '+34600000002'));
  const sample = (await startVerification(deps, { phoneNumber: '+34600000002', network: 'unknown', ownerId: 'o' })).verification;
  await cost('start', 'store.verifications.create with its authorization state (one SQLite transaction, JSON)', () => {
    const id = `vrf_${randomBytes(16).toString('base64url')}`;
    return deps.store.verifications.create({ ...sample, id }, { authorization: { ...auth(), state: randomBytes(32).toString('base64url'), verificationId: id, operatorId: 'sandbox', expiresAt: sample.expiresAt } });
  });
  const session = { cookie: { originalMaxAge: 86400000, expires: new Date(Date.now() + 86400000).toISOString(), httpOnly: true, path: '/', sameSite: 'lax' }, ownerId: 'x'.repeat(22) };
  await cost('start', 'session store set (SQLite upsert)', (i) => deps.store.keyValue.set(`s:sid-${i}-${Math.random()}`, Buffer.from(JSON.stringify(session)), 86_400_000));
  await cost('start', 'answer: verificationView + JSON.stringify', () => JSON.stringify({ verificationId: sample.id, verification: verificationView(sample, config.otp) }));

  process.stderr.write('/callback building blocks (HTTP clients to a loopback server, signatures):\n');
  const url = `http://127.0.0.1:${echoPort}/`;
  const n = Math.min(N, 1000);
  await cost('callback', 'fetch POST (undici; what openid-client uses for the token request)', async () => (await fetch(url, { method: 'POST', body: 'a=b' })).text(), n);
  await cost('callback', "axios POST, the broker's instance (Number Verification call)", () => deps.http.post(url, { phoneNumber: '+34600000002' }), n);
  const agent = new http.Agent({ keepAlive: true });
  const keptAlive = axios.create({ maxRedirects: 0, httpAgent: agent });
  await cost('callback', 'axios POST with its own keep-alive agent', () => keptAlive.post(url, { phoneNumber: '+34600000002' }), n);
  await cost(
    'callback',
    'node:http POST with a keep-alive agent',
    () =>
      new Promise((resolve, reject) => {
        const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end('{"phoneNumber":"+34600000002"}');
      }),
    n,
  );
  agent.destroy();
  const lean = new LeanHttp();
  const leanFetch = lean.fetchWithin(5000);
  await cost('callback', 'lean fetch POST (node:http + WHATWG Response; what openid-client now uses)', async () => (await leanFetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b', redirect: 'manual' })).text(), n);
  await cost('callback', 'LeanHttp.request POST (the Number Verification call now)', () => lean.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"phoneNumber":"+34600000002"}', timeoutMs: 5000 }), n);
  lean.close();
  const key = await deps.keys.active('client-assertion');
  await cost('callback', `client assertion: sign a JWT (${key.alg}, jose)`, () =>
    new jose.SignJWT({ iss: 'broker-sandbox', sub: 'broker-sandbox', aud: issuer, jti: randomBytes(16).toString('hex') })
      .setProtectedHeader({ alg: key.alg, kid: key.kid })
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(key.privateKey),
  );
  const claims = { iss: 'broker-sandbox', sub: 'broker-sandbox', aud: issuer, iat: 1, exp: 61 };
  await cost('callback', `client assertion or session token: sign a JWT (${key.alg}, node:crypto: what the broker uses now)`, () =>
    signCompactJwt(key, { kid: key.kid }, { ...claims, jti: randomBytes(16).toString('hex') }),
  );
  const rsa = await jose.generateKeyPair('RS256');
  const idToken = await new jose.SignJWT({ sub: 'x', nonce: 'n' }).setProtectedHeader({ alg: 'RS256' }).setIssuedAt().setExpirationTime('5m').sign(rsa.privateKey);
  await cost('callback', 'ID token: verify an RS256 signature (jose)', () => jose.jwtVerify(idToken, rsa.publicKey));
  const [signedPart, signature] = [idToken.slice(0, idToken.lastIndexOf('.')), Buffer.from(idToken.split('.')[2], 'base64url')];
  const publicKey = KeyObject.from(rsa.publicKey);
  await cost('callback', 'ID token: verify an RS256 signature (node:crypto: what the broker uses now)', () => verify('sha256', Buffer.from(signedPart), publicKey, signature));
  await deps.store.close();
} finally {
  await Promise.all([sandbox.stop(), echo.stop()]);
  data.remove();
}

console.log('\n| piece | CPU µs per call |\n| --- | ---: |');
let group;
for (const r of results) {
  if (r.group !== group) console.log(`| **${(group = r.group) === 'start' ? 'GET /login' : '/callback'}** | |`);
  console.log(`| ${r.name} | ${r.us.toLocaleString('en-US')} |`);
}
process.exit(0);
