import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import * as jose from 'jose';
import Provider from 'oidc-provider';
import type { OperatorConfig } from '../../../src/config/index.js';

/** oidc-provider's configuration, as loosely typed as its local declaration (src/sandbox/oidc-provider.d.ts) */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Configuration = Record<string, any>;

/**
 * An operator built from the standards, not from the sandbox (issue 16): oidc-provider as a generic OpenID
 * Provider, configured the way a real operator's deployment might be (a path issuer, its own signing algorithms,
 * pairwise subjects, and whatever `configure` switches on: JAR, PAR, DPoP, CIBA, client secrets…), plus a
 * CAMARA Number Verification endpoint that checks the access token with the provider itself. It knows nothing
 * of the broker: the broker must talk to it through its configuration only.
 *
 * Network authentication is simulated as operators do it: the device's source address is looked up in `sims`;
 * an unknown address is on WiFi and gets `access_denied`. Every request is recorded (method, path, headers,
 * body) so a test can check the wire format.
 */
export interface StandardOperatorOptions {
  /** the issuer's path under the origin, e.g. `/oidc/tenant-a` (default: a path, since that is what trips clients) */
  issuerPath?: string;
  /** source address → subscriber number */
  sims: Record<string, string>;
  /** the broker's client registration (client_id, redirect_uris, jwks_uri or client_secret, auth method, algorithms…) */
  client: Record<string, unknown>;
  /** the provider's own signing keys, by algorithm (default RS256; ID tokens are signed with the client's registered alg) */
  signingAlgs?: Array<'RS256' | 'PS256' | 'ES256'>;
  /** more oidc-provider configuration: features, clientAuthMethods, enabledJWA… (merged over the defaults) */
  configure?: (defaults: Configuration) => Configuration;
  /**
   * Number Verification checks DPoP as a resource server does (RFC 9449 §7): only DPoP-bound tokens, presented
   * as `Authorization: DPoP` with a valid proof; `nonce`: proofs must carry this nonce (use_dpop_nonce otherwise)
   */
  verifyDpop?: boolean | { nonce: string };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface StandardOperator {
  origin: string;
  issuer: string;
  /** the CAMARA apiRoot (Number Verification at `{apiRoot}/number-verification/v2`) */
  apiRoot: string;
  provider: Provider;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const NV_SCOPE = 'number-verification:verify';

export async function startStandardOperator(options: StandardOperatorOptions): Promise<StandardOperator> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuerPath = options.issuerPath ?? '/oidc/tenant-a';
  const issuer = `${origin}${issuerPath}`;
  const apiRoot = `${origin}/camara`;
  const keys = await Promise.all((options.signingAlgs ?? ['RS256']).map(privateJwk));

  const defaults: Configuration = {
    clients: [{ grant_types: ['authorization_code'], response_types: ['code'], ...options.client } as never],
    jwks: { keys: keys as never },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', NV_SCOPE],
    responseTypes: ['code'],
    pkce: { required: () => true },
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: (_ctx: unknown, accountId: string, client: { clientId: string }) => jose.base64url.encode(new TextEncoder().encode(`${client.clientId}:${accountId}`)),
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${issuerPath}/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, accountId: string) => ({ accountId, claims: () => ({ sub: accountId }) }),
    // the broker's JWKS is on loopback, which oidc-provider's SSRF guard refuses: this operator trusts its one client
    fetch: (url: string | URL, init: RequestInit & { dispatcher?: unknown }) => {
      const { dispatcher: _guard, ...rest } = init;
      return fetch(url, rest);
    },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 300, Session: 300, Grant: 300 },
  };
  const provider = new Provider(issuer, options.configure ? options.configure(defaults) : defaults);

  const requests: RecordedRequest[] = [];
  const seenJtis = new Set<string>();
  const app = express();
  app.use((req, _res, next) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => requests.push({ method: req.method, path: req.path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }));
    next();
  });
  app.get(`${issuerPath}/interaction/:uid`, async (req, res, next) => {
    try {
      const interaction = await provider.interactionDetails(req, res);
      const number = options.sims[(req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')];
      if (!number) {
        await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'not on the mobile network' }, { mergeWithLastSubmission: false });
        return;
      }
      const grant = new provider.Grant({ accountId: number, clientId: String(interaction.params.client_id) });
      grant.addOIDCScope(String(interaction.params.scope ?? ''));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: number, amr: ['nba'] }, consent: { grantId } }, { mergeWithLastSubmission: false });
    } catch (err) {
      next(err);
    }
  });
  app.post('/camara/number-verification/v2/verify', express.json(), async (req, res) => {
    const token = /^(?:Bearer|DPoP) (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const found = token ? await provider.AccessToken.find(token) : undefined;
    if (!found || !String(found.scope).split(' ').includes(NV_SCOPE)) {
      res.status(401).json({ status: 401, code: 'UNAUTHENTICATED', message: 'Request not authenticated due to missing, invalid, or expired credentials.' });
      return;
    }
    if (options.verifyDpop) {
      const nonce = typeof options.verifyDpop === 'object' ? options.verifyDpop.nonce : undefined;
      const refused = await checkDpop(req, token!, found.jkt, { htu: `${origin}${req.path}`, nonce, seenJtis });
      if (refused) {
        if (refused === 'use_dpop_nonce') res.set('dpop-nonce', nonce);
        res.status(401).set('www-authenticate', `DPoP error="${refused}", algs="ES256 PS256"`).json({ status: 401, code: 'UNAUTHENTICATED', message: refused });
        return;
      }
    }
    res.json({ devicePhoneNumberVerified: req.body?.phoneNumber === found.accountId });
  });
  app.use(issuerPath, provider.callback());
  server.on('request', app);

  return {
    origin,
    issuer,
    apiRoot,
    provider,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * A resource server's DPoP check (RFC 9449 §4.3, §7.1): the DPoP scheme with one proof; typ dpop+jwt, an
 * asymmetric alg and a public `jwk` that signed it and whose thumbprint is the token's jkt; htm, htu, ath, iat
 * within a minute, a jti never seen before, and the nonce when one is required. Returns the error, if any.
 */
async function checkDpop(
  req: express.Request,
  token: string,
  jkt: string | undefined,
  expected: { htu: string; nonce?: string; seenJtis: Set<string> },
): Promise<'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce' | undefined> {
  const proof = req.headers.dpop;
  if (!/^DPoP /.test(req.get('authorization') ?? '') || !jkt) return 'invalid_token';
  if (typeof proof !== 'string') return 'invalid_dpop_proof';
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(proof, jose.EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256', 'PS256', 'RS256', 'EdDSA'] });
    const ath = createHash('sha256').update(token).digest('base64url');
    const fresh = typeof payload.iat === 'number' && Math.abs(Date.now() / 1000 - payload.iat) <= 60;
    if ((await jose.calculateJwkThumbprint(protectedHeader.jwk!)) !== jkt) return 'invalid_token';
    if (payload.htm !== req.method || payload.htu !== expected.htu || payload.ath !== ath || !fresh) return 'invalid_dpop_proof';
    if (typeof payload.jti !== 'string' || expected.seenJtis.has(payload.jti)) return 'invalid_dpop_proof';
    expected.seenJtis.add(payload.jti);
    if (expected.nonce && payload.nonce !== expected.nonce) return 'use_dpop_nonce';
    return undefined;
  } catch {
    return 'invalid_dpop_proof';
  }
}

async function privateJwk(alg: 'RS256' | 'PS256' | 'ES256'): Promise<jose.JWK> {
  const { privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  return { ...(await jose.exportJWK(privateKey)), alg, use: 'sig', kid: `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}` };
}

export type { Server };

/** The broker's BROKER_CONFIG entry for a standard operator: the CAMARA defaults, plain http allowed (loopback). */
export function operatorEntryFor(operator: StandardOperator, entry: { id: string; clientId: string } & Record<string, unknown>) {
  return {
    issuer: operator.issuer,
    clientAuth: 'private_key_jwt' as const,
    scope: `openid ${NV_SCOPE}`,
    loginHintFormat: 'tel' as const,
    apiRoot: operator.apiRoot,
    apiVersionPath: '/number-verification/v2',
    mode: 'verify' as const,
    hashPhoneNumber: false,
    prefixes: ['+34'],
    allowInsecureHttp: true,
    idToken: true,
    ...entry,
  } as OperatorConfig;
}
