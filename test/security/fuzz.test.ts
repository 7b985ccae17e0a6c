import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import { createChannel } from '../../src/compat/mpass/channels.js';
import { createTestApplication } from '../support/applications.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { deleteKeys, REDIS_URL, uniquePrefix, whyNoRedis } from '../store/support/redis.js';

/**
 * A seeded, bounded fuzz run over the whole route table: hostile methods, path ids, query strings, bodies
 * and content types. Whatever a client sends, the broker answers below 500 and writes no error-level log
 * line. Replay a failure with FUZZ_SEED=<the printed seed>; FUZZ_REQUESTS changes the count per store.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
/** this share of the requests goes to a broker with the default limits, the rest to one with raised limits */
const AT_DEFAULT_LIMITS = 0.1;
const CONCURRENCY = 8;

const skipBecause = await whyNoRedis();
if (skipBecause) console.warn(`\n  SKIPPED the Redis fuzz run: ${skipBecause}\n`);

/** mulberry32: small, fast, and the same sequence for the same seed */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  return { next, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof random>;

const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${close.repeat(depth)}`;
const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

const FIELDS = [
  'phoneNumber', 'network', 'returnUrl', 'lang', 'redirect', 'code', 'number', 'phone', 'appid', 'appId', 'version', 'pin', 'authToken',
  'user', 'properties', 'schemas', 'Operations', 'dest', 'apikey', 'otp', 'userId', 'state', 'error', '__proto__', 'constructor', 'prototype', 'toString',
];

/** JSON texts of hostile values (some of them not JSON at all when spliced in a body) */
function hostileValue(r: Random, depth = 0): string {
  const scalars = [
    '"+34600000002"', '"+34600000003"', '"+14155552671"', '"+155"', '"34600000002"', '" 34600000002"', '"+34 600 000 002"', '"123456"', '"0"', '""',
    '"wifi"', '"cellular"', '"es"', '"true"', '"http://127.0.0.1/"', '"javascript:alert(1)"', '"vrf_AAAAAAAAAAAAAAAAAAAAAA"', '"open"',
    '"MOBILE_VERIFICATION_ON_UPDATE"', '"RecoveryScenario"', '"userId"', '"u1"', '"PRIMARY/u1"', '"__proto__"',
    '1e400', '-1e400', '1e-400', '123456789012345678901234567890', '-0', '0', '1', '3.14', 'true', 'false', 'null',
    '"\\u0000"', '"\\ud800"', '"\\u202e+34600000002"', '"٣٤٦٠٠٠٠٠٠٠٢"', '"😀"', `"${'9'.repeat(5000)}"`, `"${'é'.repeat(300)}"`,
  ];
  const composite = [
    () => '{"toString":1}', () => '{"valueOf":1,"toString":null}', () => '{"__proto__":{"polluted":1}}', () => '{"constructor":{"prototype":{"polluted":1}}}',
    () => '[]', () => '{}', () => nested(1 + Math.floor(r.next() * 8000)), () => nestedObject(1 + Math.floor(r.next() * 3000)),
    () => `[${hostileValue(r, depth + 1)}]`, () => `{"key":${hostileValue(r, depth + 1)},"value":${hostileValue(r, depth + 1)}}`,
    () => `{"username":${hostileValue(r, depth + 1)}}`,
    () => `{"op":${r.pick(['"add"', '"replace"', '"remove"', '1', '"x"'])},"path":${r.pick(['"phoneNumbers"', '"phoneNumbers[type eq \\"mobile\\"].value"', '"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:verifyMobile"', '1', '"a.b.c"'])},"value":${hostileValue(r, depth + 1)}}`,
  ];
  return depth < 3 && r.chance(0.35) ? r.pick(composite)() : r.pick(scalars);
}

function hostileObject(r: Random): string {
  const n = Math.floor(r.next() * 5);
  const members = Array.from({ length: n }, () => `${JSON.stringify(r.pick(FIELDS))}:${hostileValue(r)}`);
  return `{${members.join(',')}}`;
}

function hostileBody(r: Random): string | undefined {
  const json = hostileObject(r);
  return r.pick([
    () => undefined,
    () => '',
    () => json,
    () => json,
    () => json.slice(0, Math.floor(r.next() * json.length)), // truncated
    () => `[${json}]`,
    () => hostileValue(r),
    () => nested(7000),
    () => 'phoneNumber=%2B34600000002&number=%2B34600000003&number=x&appid[]=1&__proto__[x]=1',
    () => '\u0000\uffff\ud800',
    () => '{"a":1,"a":2,"__proto__":null}',
  ])();
}

const CONTENT_TYPES = [
  undefined, 'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=utf-7',
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/scim+json', 'application/json-patch+json', '*/*', 'application/JSON', ';;;',
];

const PATH_IDS = [
  'vrf_AAAAAAAAAAAAAAAAAAAAAA', 'open', 'recent', 'vrf_', '..%2F..%2Fetc%2Fpasswd', '%00', '%zz', '%', '__proto__', 'constructor', 'msg_AAAAAAAAAAAAAAAAAAAAAA',
  'ob:due', 'u1', 'PRIMARY%2Fu1', '%E2%80%AE', 'x'.repeat(3000), '%F0%9F%98%80', 'null', 'undefined', '1e400', '-1',
];

function hostileQuery(r: Random): string {
  const n = Math.floor(r.next() * 5);
  const values = ['%2B34600000002', '%2B34600000003', '+34600000002', '34600000002', '', '%zz', '%', 'wifi', 'cellular', 'true', '%00', '1e400', 'x'.repeat(3000), '%E2%80%AE', 'AAAA'];
  const keys = [...FIELDS, 'x[y]', 'a[]', '__proto__[polluted]', 'constructor[prototype][polluted]', 'phoneNumber[]', 'code[toString]', 'userId', 'returnUrl'];
  const parts = Array.from({ length: n }, () => `${r.pick(keys)}=${r.pick(values)}`);
  return parts.length ? `?${parts.join('&')}` : r.pick(['', '?', '?&&=', '?=x']);
}

interface Route {
  methods: readonly string[];
  path: (id: string) => string;
}

const ROUTES: Route[] = [
  ...['/.well-known/jwks.json', '/healthz', '/readyz', '/openapi.json', '/login', '/callback', '/sandbox/inbox', '/sandbox/info', '/sandbox/verifications', '/sandbox/deliveries', '/v1/webhooks/deliveries', '/', '/index.html', '/nope', '/js/%2e%2e/%2e%2e/package.json'].map(
    (p) => ({ methods: ['GET', 'GET', 'HEAD', 'POST', 'OPTIONS'], path: () => p }),
  ),
  { methods: ['POST', 'POST', 'GET', 'PUT'], path: () => '/v1/verifications' },
  { methods: ['GET', 'DELETE'], path: (id) => `/v1/verifications/${id}` },
  ...['fallback', 'code', 'resend', 'next', 'credential'].map((action) => ({ methods: ['POST', 'POST', 'GET'], path: (id: string) => `/v1/verifications/${id}/${action}` })),
  // the device's checkUrl (issue 14), coverage, and the sandbox's test wallet (issue 18)
  { methods: ['GET', 'GET', 'POST'], path: (id) => `/v1/verifications/${id}/check` },
  { methods: ['GET', 'GET', 'POST'], path: () => '/v1/coverage' },
  { methods: ['POST', 'POST', 'GET'], path: () => '/sandbox/wallet' },
  // applications and their keys (issue 14), behind the admin key
  { methods: ['POST', 'POST', 'GET', 'PUT'], path: () => '/v1/applications' },
  { methods: ['GET', 'PATCH', 'PATCH', 'DELETE'], path: (id) => `/v1/applications/${id}` },
  { methods: ['POST', 'GET'], path: (id) => `/v1/applications/${id}/keys` },
  { methods: ['DELETE', 'GET'], path: (id) => `/v1/applications/${id}/keys/${id}` },
  { methods: ['POST', 'GET'], path: (id) => `/v1/webhooks/deliveries/${id}/replay` },
  { methods: ['GET', 'POST', 'POST', 'PUT'], path: () => '/compat/cloudsoftphone/verify_number' },
  { methods: ['POST', 'POST', 'GET'], path: () => '/compat/cloudsoftphone/check' },
  { methods: ['GET', 'GET', 'POST'], path: () => '/mpass-web/rest/mv/msg' },
  { methods: ['GET', 'GET', 'POST'], path: () => '/mpass-web/rest/mv/verify' },
  { methods: ['GET', 'PATCH', 'PATCH', 'PUT', 'DELETE'], path: (id) => `/scim2/Users/${id}` },
  ...['validate-code', 'me/validate-code', 'resend-code', 'me/resend-code'].map((e) => ({ methods: ['POST', 'POST', 'GET'], path: () => `/api/identity/user/v1.0/${e}` })),
  { methods: ['GET', 'POST'], path: (id) => `/compat/wso2/users/${id}/silent-verify` },
  { methods: ['GET'], path: (id) => `/compat/wso2/users/${id}/silent-verify/done` },
];

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface Answer extends Sent {
  status: number;
  text: string;
  ms: number;
}

function send(agent: http.Agent, base: string, request: Sent): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const target = new URL(base);
    const req = http.request({ host: target.hostname, port: target.port, method: request.method, path: request.path, headers: request.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ ...request, status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8').slice(0, 300), ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end(request.body);
  });
}

interface Secrets {
  keys: { admin: string; wso2: string; cloudSoftphone: string; application: string };
  mpassKey: string;
  ids: string[];
}

function hostileRequest(r: Random, secrets: Secrets): Sent {
  const route = r.pick(ROUTES);
  const id = r.chance(0.15) ? r.pick(secrets.ids) : r.pick(PATH_IDS);
  let path = route.path(id) + hostileQuery(r);
  if (path.startsWith('/mpass-web') && r.chance(0.6)) path += `${path.includes('?') ? '&' : '?'}apikey=${encodeURIComponent(secrets.mpassKey)}&dest=${r.pick(['%2B34600000002', '34600000002', '%zz', '', '%2B155'])}`;
  const method = r.pick(route.methods);
  const headers: Record<string, string> = {};
  const body = method === 'GET' || method === 'HEAD' ? undefined : hostileBody(r);
  const type = r.pick(CONTENT_TYPES);
  if (type) headers['content-type'] = type;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  // the key of the route's own role most of the time (so authenticated code runs), another role's sometimes
  if (r.chance(0.4)) headers.authorization = `Bearer ${r.chance(0.8) ? keyFor(path, secrets) : r.pick(Object.values(secrets.keys))}`;
  else if (r.chance(0.2)) headers.authorization = r.pick(['Bearer a.b.c', 'Bearer ', 'Basic Og==', `Bearer ${'x'.repeat(5000)}`, 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1MSJ9.']);
  if (r.chance(0.1)) headers['x-correlator'] = r.pick(['ok-1', '<script>', 'x'.repeat(300), '%00']);
  if (r.chance(0.05)) headers['content-encoding'] = r.pick(['gzip', 'deflate', 'br', 'x-unknown']);
  return { method, path, headers, body };
}

async function fuzz(broker: TestBroker, r: Random, count: number, secrets: Secrets): Promise<Answer[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const bad: Answer[] = [];
  let left = count;
  const worker = async () => {
    while (left-- > 0) {
      const answer = await send(agent, broker.url, hostileRequest(r, secrets));
      if (answer.status >= 500) bad.push(answer);
      if (process.env.FUZZ_VERBOSE) console.log(`FUZZ ${answer.status} ${answer.ms.toFixed(0)}ms ${answer.method} ${answer.path.split('?')[0].slice(0, 60)}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    agent.destroy();
  }
  return bad;
}

/** a few real verifications, so that some path ids name something (and the Redis indexes exist) */
async function seedBroker(broker: TestBroker): Promise<Secrets> {
  const ids: string[] = [];
  for (const [phoneNumber, network] of [['+34600000002', 'cellular'], ['+34600000003', 'wifi'], ['+14155552671', 'wifi']]) {
    const res = await broker.device().post(`${broker.url}/v1/verifications`, { phoneNumber, network });
    ids.push(res.json().verificationId);
  }
  const { apiKey } = await createChannel(broker.deps.store, { name: 'fuzz', ips: ['127.0.0.1'] }, new Date());
  const { adminApiKey, wso2ApiKey, cloudSoftphoneApiKey } = broker.deps.secrets;
  // an application whose key opens the verification API, and a few of its own verifications (a checkUrl among them)
  const application = await createTestApplication(broker, { id: 'fuzz-app', credentialOrigins: ['https://app.example.com'] });
  for (const workflow of [undefined, [{ channel: 'sms' }], [{ channel: 'digital_credential' }, { channel: 'sms' }]]) {
    const res = await broker.device().request('POST', `${broker.url}/v1/verifications`, { body: { phoneNumber: '+34600000002', ...(workflow && { workflow }) }, headers: application.auth });
    ids.push(res.json().verificationId);
  }
  ids.push(application.application.id, application.application.keys[0].id);
  return { keys: { admin: adminApiKey, wso2: wso2ApiKey, cloudSoftphone: cloudSoftphoneApiKey, application: application.apiKey }, mpassKey: apiKey, ids };
}

/** each role has its own key (admin: webhook deliveries; the WSO2 and Cloud Softphone backends) */
function keyFor(path: string, secrets: Secrets): string {
  if (path.startsWith('/scim2') || path.startsWith('/api/identity') || path.startsWith('/compat/wso2')) return secrets.keys.wso2;
  if (path.startsWith('/compat/cloudsoftphone')) return secrets.keys.cloudSoftphone;
  if (path.startsWith('/v1/verifications') || path.startsWith('/v1/coverage')) return secrets.keys.application;
  return secrets.keys.admin;
}

const errorLines = (broker: TestBroker) => broker.logs.filter((line) => line.startsWith('{') && JSON.parse(line).level >= 50);

const RAISED = {
  START_LIMIT_PER_IP: '1000000/60', START_LIMIT_PER_NUMBER: '1000000/3600',
  SMS_LIMIT_PER_IP: '1000000/3600', SMS_LIMIT_PER_NUMBER: '1000000/3600', SMS_LIMIT_PER_PREFIX: '1000000/3600', SMS_DAILY_BUDGET: '100000000',
  OTP_RESEND_COOLDOWN_SECONDS: '0',
};

for (const kind of ['sqlite', 'redis'] as const) {
  const describeStore = kind === 'redis' && skipBecause ? describe.skip : describe;
  describeStore(`fuzz: ${REQUESTS} hostile requests over every route (${kind}), seed ${SEED}`, () => {
    const prefix = uniquePrefix('fuzz');
    const brokers: TestBroker[] = [];
    const start = async (limits: Record<string, string>, label: string) => {
      const store = kind === 'redis' ? { STORE: 'redis', REDIS_URL, REDIS_KEY_PREFIX: `${prefix}${label}:` } : {};
      const broker = await startTestBroker({ env: { COMPAT_FACADES: 'cloudsoftphone,mpass,wso2', LOG_LEVEL: 'warn', ...limits, ...store }, background: false });
      brokers.push(broker);
      return broker;
    };
    beforeAll(async () => {
      await start(RAISED, 'raised');
      await start({}, 'default');
    });
    afterAll(async () => {
      await Promise.all(brokers.map((b) => b.close()));
      if (kind === 'redis') await deleteKeys(prefix);
    });

    it('no answer is 5xx and no error is logged, under raised limits and under the default ones', async () => {
      const r = random(SEED + (kind === 'redis' ? 1 : 0));
      const atDefault = Math.round(REQUESTS * AT_DEFAULT_LIMITS);
      const bad: Answer[] = [];
      for (const [broker, count] of [[brokers[0], REQUESTS - atDefault], [brokers[1], atDefault]] as const) {
        bad.push(...(await fuzz(broker, r, count, await seedBroker(broker))));
      }
      const logged = brokers.flatMap(errorLines);
      if (bad.length || logged.length) {
        console.error(`fuzz (${kind}) failed; replay with FUZZ_SEED=${SEED}\n`, bad.slice(0, 10).map((a) => ({ ...a, body: a.body?.slice(0, 300) })), logged.slice(0, 5));
      }
      expect({ seed: SEED, fiveHundreds: bad.length, errorLogLines: logged.length }).toEqual({ seed: SEED, fiveHundreds: 0, errorLogLines: 0 });
    }, 120_000);
  });
}
