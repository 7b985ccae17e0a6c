// The program a user would write instead of adopting the broker: the `/login` of an OIDC tutorial.
// Express + helmet + openid-client (discovery once at start; an authorization URL with PKCE S256, state and
// nonce per request) + one better-sqlite3 insert (WAL) of what the callback would need. No session, no limits,
// no logs, no fallback: the floor a careful broker is compared with.
// env: PORT, ISSUER (an operator's issuer, e.g. the bench sandbox), DATA_DIR
import path from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import helmet from 'helmet';
import * as client from 'openid-client';

const issuer = new URL(process.env.ISSUER);
const config = await client.discovery(issuer, 'tutorial-client', undefined, client.None(), { execute: [client.allowInsecureRequests] });
const db = new Database(path.join(process.env.DATA_DIR, 'tutorial.sqlite'));
db.pragma('journal_mode = WAL');
db.exec('CREATE TABLE IF NOT EXISTS logins (state TEXT PRIMARY KEY, nonce TEXT, verifier TEXT, phone TEXT, created INTEGER)');
const insert = db.prepare('INSERT INTO logins (state, nonce, verifier, phone, created) VALUES (?, ?, ?, ?, ?)');

const app = express();
app.disable('x-powered-by');
app.use(helmet());
app.get('/login', async (req, res) => {
  const phone = String(req.query.phoneNumber ?? '');
  const state = client.randomState();
  const nonce = client.randomNonce();
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: 'http://127.0.0.1/callback',
    scope: 'openid number-verification:verify',
    login_hint: `tel:${phone}`,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  insert.run(state, nonce, verifier, phone, Date.now());
  res.json({ authUrl: url.href });
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
