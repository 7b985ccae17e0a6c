import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as jose from 'jose';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { NV_SCOPE, startStandardOperator, type StandardOperator } from './support/standard-operator.js';

/**
 * Issue 16, routing that survives portability: a GSMA Open Gateway Telco Finder (a recording server here, checking
 * the wire format: client credentials with private_key_jwt, then POST /telco-finder/v1/search) names the operator
 * serving a number; prefix routing is the fallback. Two operators built from the standards: `home` serves +34 by
 * prefix, `roam` is known only through Telco Finder (an aggregator registration, `*`).
 */
interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Answer = { status: number; body?: unknown; delayMs?: number; headers?: Record<string, string> };

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** A Telco Finder and its token endpoint; the token endpoint checks the broker's client assertion against its JWKS. */
async function startTelcoFinder(brokerUrl: () => string, answers: Map<string, Answer>, evilIssuerMetadata: () => Record<string, string>) {
  const requests: Recorded[] = [];
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    requests.push({ method: req.method!, path: req.url!, headers: req.headers, body });
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
    if (req.url === '/token') {
      const form = new URLSearchParams(body);
      try {
        if (form.get('grant_type') !== 'client_credentials') throw new Error('grant_type');
        if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') throw new Error('assertion type');
        const jwks = jose.createRemoteJWKSet(new URL(`${brokerUrl()}/.well-known/jwks.json`));
        await jose.jwtVerify(form.get('client_assertion')!, jwks, { issuer: 'broker-tf', subject: 'broker-tf', audience: `${origin}/token` });
      } catch (err) {
        return send(401, { error: 'invalid_client', error_description: (err as Error).message });
      }
      return send(200, { access_token: 'tf-access-token', token_type: 'Bearer', expires_in: 600 });
    }
    if (req.url === '/evil/.well-known/openid-configuration') return send(200, evilIssuerMetadata());
    if (req.url === '/telco-finder/v1/search' && req.method === 'POST') {
      if (req.headers.authorization !== 'Bearer tf-access-token') return send(401, { status: 401, code: 'UNAUTHENTICATED', message: 'no token' });
      const phoneNumber = JSON.parse(body).target?.phoneNumber as string;
      const answer = answers.get(phoneNumber) ?? { status: 404, body: { status: 404, code: 'NOT_FOUND', message: 'unknown' } };
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      if (!res.destroyed) send(answer.status, answer.body, answer.headers);
      return;
    }
    send(404, {});
  });
  const origin = await listen(server);
  return { origin, requests, searches: () => requests.filter((r) => r.path === '/telco-finder/v1/search'), close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

/** A host no answer may send the broker to: it records whatever reaches it. */
async function startRogue() {
  const requests: Recorded[] = [];
  const server = createServer(async (req, res) => {
    requests.push({ method: req.method!, path: req.url!, headers: req.headers, body: await readBody(req) });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  const origin = (await listen(server)).replace('127.0.0.1', 'localhost');
  return { origin, requests, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

describe('routing through Telco Finder (GSMA Open Gateway), with prefix routing as the fallback', () => {
  let broker: TestBroker;
  let home: StandardOperator;
  let roam: StandardOperator;
  let finder: Awaited<ReturnType<typeof startTelcoFinder>>;
  let rogue: Awaited<ReturnType<typeof startRogue>>;
  const answers = new Map<string, Answer>();
  const configFile = path.join(tmpdir(), `broker-tf-${process.pid}-${Date.now()}.json`);
  let brokerUrl = '';

  const client = () => ({
    client_id: 'broker-1',
    redirect_uris: [`${brokerUrl}/callback`],
    jwks_uri: `${brokerUrl}/.well-known/jwks.json`,
    token_endpoint_auth_method: 'private_key_jwt',
  });
  const roamAnswer = (operatorId = 'ROAM_ES') => ({ status: 200, body: { operatorId, apiRoot: roam.apiRoot, authProviderConfiguration: `${roam.issuer}/.well-known/openid-configuration` } });

  beforeAll(async () => {
    rogue = await startRogue();
    broker = await startTestBroker({
      background: false,
      sandbox: false,
      env: { BROKER_CONFIG: configFile },
      beforeOperators: async (url) => {
        brokerUrl = url;
        // the device at 127.0.0.2 holds +34600000002 and 127.0.0.4 holds +34600000004: each operator knows its own SIMs,
        // and says "another number" for the SIM it does not serve
        home = await startStandardOperator({ issuerPath: '/oidc/home', sims: { '127.0.0.2': '+34600000099', '127.0.0.4': '+34600000004' }, client: client() });
        roam = await startStandardOperator({ issuerPath: '/oidc/roam', sims: { '127.0.0.2': '+34600000002', '127.0.0.4': '+34600000044' }, client: client() });
        finder = await startTelcoFinder(() => brokerUrl, answers, () => ({
          issuer: `${finder.origin}/evil`,
          authorization_endpoint: `${rogue.origin}/authorize`,
          token_endpoint: `${rogue.origin}/token`,
          jwks_uri: `${rogue.origin}/jwks`,
        }));
        writeFileSync(configFile, JSON.stringify({
          telcoFinder: {
            url: finder.origin,
            tokenEndpoint: `${finder.origin}/token`,
            clientId: 'broker-tf',
            scope: 'telcofinder',
            timeoutMs: 400,
            allowedHosts: ['127.0.0.1', 'tf.test'],
            operators: { '*': { clientId: 'broker-1', scope: `openid ${NV_SCOPE}` } },
            secondAttempt: true,
          },
        }));
      },
      operators: () => [
        {
          id: 'home', issuer: home.issuer, clientId: 'broker-1', clientAuth: 'private_key_jwt', scope: `openid ${NV_SCOPE}`, loginHintFormat: 'tel',
          apiRoot: home.apiRoot, apiVersionPath: '/number-verification/v2', mode: 'verify', hashPhoneNumber: false, prefixes: ['+34'], allowInsecureHttp: true, idToken: true,
        },
      ],
    });
  });
  afterAll(async () => {
    await broker?.close();
    await Promise.all([home?.close(), roam?.close(), finder?.close(), rogue?.close()]);
  });

  const start = (phoneNumber: string) => broker.device().post(`${broker.url}/v1/verifications`, { phoneNumber, network: 'cellular' });

  it('sends a ported number to the operator Telco Finder names, though its prefix says another, and verifies it', async () => {
    answers.set('+34600000002', roamAnswer());
    const phone = broker.device('127.0.0.2');
    const started = await phone.post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000002', network: 'cellular' });
    expect(started.status).toBe(201);
    const { authUrl, verificationId: id } = started.json();
    expect(new URL(authUrl).href.startsWith(roam.issuer)).toBe(true);

    const { location } = await phone.followUntil(authUrl, (n) => n.pathname === '/callback');
    const done = (await phone.get(location.href, { accept: 'application/json' })).json();
    expect(done).toMatchObject({ id, status: 'verified', method: 'silent_auth' });
    expect(done.operator).toMatch(/^tf-roam_es-[0-9a-f]{8}$/);
    expect(home.requests.filter((r) => r.path.includes('/auth'))).toHaveLength(0);

    // the wire format: a bearer token from client credentials, the number as the target, apiRoot and discovery asked for
    const search = finder.searches()[0];
    expect(search.headers.authorization).toBe('Bearer tf-access-token');
    expect(JSON.parse(search.body)).toEqual({ target: { phoneNumber: '+34600000002' }, includeApiRoot: true, includeAuthProviderConfiguration: true });
    expect(new URLSearchParams(finder.requests.find((r) => r.path === '/token')!.body).get('scope')).toBe('telcofinder');
  });

  it('answers a second start from its cache: no Telco Finder call', async () => {
    answers.set('+34600000012', roamAnswer());
    const first = await start('+34600000012');
    const searches = finder.searches().length;
    const second = await start('+34600000012');
    expect(finder.searches()).toHaveLength(searches);
    expect(new URL(second.json().authUrl).origin).toBe(new URL(first.json().authUrl).origin);
    expect(second.json().authUrl.startsWith(roam.issuer)).toBe(true);
  });

  it('routes by prefix when Telco Finder fails or knows no operator', async () => {
    answers.set('+34600000021', { status: 503, body: { status: 503, code: 'UNAVAILABLE', message: 'down' } });
    for (const number of ['+34600000021', '+34600000022']) {
      const started = await start(number);
      expect(started.json().authUrl.startsWith(home.issuer)).toBe(true);
    }
  });

  it('routes by prefix within the Telco Finder timeout when it is slow', async () => {
    answers.set('+34600000031', { ...roamAnswer(), delayMs: 3000 });
    const began = Date.now();
    const started = await start('+34600000031');
    expect(Date.now() - began).toBeLessThan(1500);
    expect(started.json().authUrl.startsWith(home.issuer)).toBe(true);
  });

  it('after a mismatch at the first operator, sends the device once to the next candidate, silently', async () => {
    // Telco Finder's data is stale: it names roam, but the SIM at 127.0.0.4 is home's
    answers.set('+34600000004', roamAnswer());
    const phone = broker.device('127.0.0.4');
    const started = (await phone.post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000004', network: 'cellular' })).json();
    expect(started.authUrl.startsWith(roam.issuer)).toBe(true);

    const toCallback = (n: URL) => n.pathname === '/callback';
    const first = await phone.followUntil(started.authUrl, toCallback);
    const retry = await phone.get(first.location.href);
    expect(retry.status).toBe(302);
    expect(retry.headers.location!.startsWith(`${home.issuer}/auth`)).toBe(true);
    const during = (await phone.get(`${broker.url}/v1/verifications/${started.verificationId}`)).json();
    expect(during.status).toBe('silent_auth_in_progress');

    const second = await phone.followUntil(retry.headers.location!, toCallback);
    const done = (await phone.get(second.location.href, { accept: 'application/json' })).json();
    expect(done).toMatchObject({ status: 'verified', operator: 'home' });
    const record = await broker.deps.store.verifications.get(started.verificationId);
    expect(record!.events.map((e) => e.type)).toContain('second_attempt');

    // the first state is spent, and so is the second: a replay of either changes nothing
    expect((await phone.get(first.location.href, { accept: 'application/json' })).status).toBe(400);
    expect((await phone.get(second.location.href, { accept: 'application/json' })).status).toBe(400);
  });

  it('refuses an answer sending the broker to a host outside allowedHosts (the client assertion and the number stay home)', async () => {
    answers.set('+34600000051', { status: 200, body: { operatorId: 'EVIL', apiRoot: rogue.origin, authProviderConfiguration: `${rogue.origin}/.well-known/openid-configuration` } });
    const started = await start('+34600000051');
    expect(started.json().authUrl.startsWith(home.issuer)).toBe(true);
    expect(rogue.requests).toHaveLength(0);
  });

  it('refuses a found operator whose discovery names endpoints outside allowedHosts, before using any', async () => {
    answers.set('+34600000052', { status: 200, body: { operatorId: 'EVIL_DISCOVERY', apiRoot: finder.origin, authProviderConfiguration: `${finder.origin}/evil/.well-known/openid-configuration` } });
    const started = await start('+34600000052');
    expect(finder.requests.some((r) => r.path === '/evil/.well-known/openid-configuration')).toBe(true);
    expect(started.json().authUrl.startsWith(home.issuer)).toBe(true);
    expect(rogue.requests).toHaveLength(0);
  });

  it('refuses plain http for a found operator that is not on loopback, even on an allowed host', async () => {
    answers.set('+34600000053', { status: 200, body: { operatorId: 'PLAIN', apiRoot: 'http://tf.test', authProviderConfiguration: 'http://tf.test/.well-known/openid-configuration' } });
    const started = await start('+34600000053');
    expect(started.json().authUrl.startsWith(home.issuer)).toBe(true);
    expect(broker.logs.some((line) => line.includes('telco finder answer refused') && line.includes('PLAIN'))).toBe(true);
  });
});
