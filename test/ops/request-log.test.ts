import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import { startOnWifi } from '../support/sms.js';

type Line = Record<string, any>;
const INFO = 30;

/** the request lines (info and above: what LOG_LEVEL=info writes) written since `from` */
function requestLines(broker: TestBroker, from: number): Line[] {
  return broker.logs
    .slice(from)
    .filter((line) => !line.startsWith('[sms console]'))
    .map((line) => JSON.parse(line) as Line)
    .filter((line) => line.req && line.level >= INFO);
}

describe('the request log', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ background: false });
  });
  afterAll(() => broker.close());

  it('static files and the pages\' polls answered 2xx/3xx write no info line', async () => {
    const laptop = broker.device('127.0.0.60');
    const { id } = await startOnWifi(broker, laptop, '+34600000060');
    const from = broker.logs.length;
    for (const file of ['/', '/index.html', '/otp.html', '/css/app.css', '/js/otp.js', '/img/icon.svg']) {
      expect((await laptop.get(`${broker.url}${file}`)).status).toBe(200);
    }
    for (const poll of [`/v1/verifications/${id}`, '/sandbox/inbox?phoneNumber=%2B34600000060', '/sandbox/verifications', '/sandbox/deliveries']) {
      expect((await laptop.get(`${broker.url}${poll}`)).status).toBe(200);
    }
    expect(requestLines(broker, from).map((l) => `${l.req.method} ${l.req.path}`)).toEqual([]);
    // still there for whoever asks for them (LOG_LEVEL=debug)
    expect(broker.logs.slice(from).filter((l) => l.includes('"req":'))).toHaveLength(10);
  });

  it('a poll or a static file answered 4xx is logged like any other request', async () => {
    const laptop = broker.device('127.0.0.61');
    const from = broker.logs.length;
    expect((await laptop.get(`${broker.url}/v1/verifications/vrf_nosuchverification0000`)).status).toBe(404);
    expect((await laptop.get(`${broker.url}/js/missing.js`)).status).toBe(404);
    expect((await laptop.get(`${broker.url}/sandbox/inbox`)).status).toBe(400);
    expect(requestLines(broker, from).map((l) => `${l.req.method} ${l.req.path} ${l.res.statusCode}`)).toEqual([
      'GET /v1/verifications/vrf_nosuchverification0000 404',
      'GET /js/missing.js 404',
      'GET /sandbox/inbox 400',
    ]);
  });

  it('other requests keep one line with method, masked path, client address, status, time, correlator and verificationId', async () => {
    const laptop = broker.device('127.0.0.62');
    const from = broker.logs.length;
    const started = await laptop.post(`${broker.url}/v1/verifications`, { phoneNumber: '+34600000062', network: 'wifi' }, { 'x-correlator': 'request-log-62' });
    expect(started.status).toBe(201);
    const id = started.json().verificationId as string;
    const resend = await laptop.post(`${broker.url}/v1/verifications/${id}/resend`, {}, { 'x-correlator': 'request-log-63' });
    expect(resend.status).toBe(429);
    await laptop.get(`${broker.url}/login?phoneNumber=%2B34600000064&network=wifi`, { 'x-correlator': 'request-log-64' });

    const lines = requestLines(broker, from);
    expect(lines).toEqual([
      expect.objectContaining({ level: INFO, msg: 'request completed', correlator: 'request-log-62', verificationId: id, req: { method: 'POST', path: '/v1/verifications', remoteAddress: '127.0.0.62' }, res: { statusCode: 201 } }),
      expect.objectContaining({ level: INFO, correlator: 'request-log-63', verificationId: id, req: { method: 'POST', path: `/v1/verifications/${id}/resend`, remoteAddress: '127.0.0.62' }, res: { statusCode: 429 } }),
      expect.objectContaining({ level: INFO, correlator: 'request-log-64', req: { method: 'GET', path: '/login', remoteAddress: '127.0.0.62' }, res: { statusCode: 200 } }),
    ]);
    for (const line of lines) expect(typeof line.responseTime).toBe('number');
    // one line per request, no duplicate keys (a raw line names its correlator once)
    const raw = broker.logs.slice(from).filter((l) => l.includes('"request-log-62"') && l.includes('"req":'));
    expect(raw).toHaveLength(1);
    expect(raw[0].match(/"correlator":/g)).toHaveLength(1);
  });

  it('digit runs in a path are masked on the request line', async () => {
    const from = broker.logs.length;
    await broker.device('127.0.0.63').get(`${broker.url}/nothing/%2B34600000065`);
    const [line] = requestLines(broker, from);
    expect(line.req.path).toBe('/nothing/+3460*****65');
    expect(line.res.statusCode).toBe(404);
  });
});
