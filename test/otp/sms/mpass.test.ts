import { describe, it, expect, afterEach } from '@jest/globals';
import { MpassUpstream, type MpassOutcome } from '../../../src/otp/sms/mpass.js';
import { SmsProviderFailed } from '../../../src/otp/sms/provider.js';
import { startRecordingServer, type RecordingServer } from './recording-server.js';

let server: RecordingServer | undefined;
afterEach(async () => server?.close());

function mpass(baseUrl: string, timeoutMs = 2000) {
  return new MpassUpstream({ baseUrl, apiKey: 'chan key&1', timeoutMs });
}

describe('MpassUpstream', () => {
  it('sends with GET /mpass-web/rest/mv/msg?apikey&dest&lang&app, the number in E.164 with an encoded "+"', async () => {
    server = await startRecordingServer({ status: 200, body: { description: 'Accept', status: '0' } });

    const outcome = await mpass(server.baseUrl).sendCode({ to: '+966501234567', lang: 'ar', app: 'Acme App' });

    expect(outcome).toBe('accepted');
    expect(server.requests[0].method).toBe('GET');
    expect(server.requests[0].url).toBe('/mpass-web/rest/mv/msg?apikey=chan+key%261&dest=%2B966501234567&lang=ar_SA&app=Acme+App');
  });

  it('leaves app out when not given and writes languages without an mPass template as en_US', async () => {
    server = await startRecordingServer({ status: 200, body: { description: 'Accept', status: '0' } });
    await mpass(`${server.baseUrl}/`).sendCode({ to: '+34600000002', lang: 'es' });
    await mpass(server.baseUrl).sendCode({ to: '+14155552671', lang: 'en' });
    expect(server.requests.map((r) => r.url)).toEqual([
      '/mpass-web/rest/mv/msg?apikey=chan+key%261&dest=%2B34600000002&lang=en_US',
      '/mpass-web/rest/mv/msg?apikey=chan+key%261&dest=%2B14155552671&lang=en_US',
    ]);
  });

  it('verifies with GET /mpass-web/rest/mv/verify?apikey&dest&otp&app', async () => {
    server = await startRecordingServer({ status: 200, body: { description: 'Accept', status: '0' } });
    await mpass(server.baseUrl).checkCode({ to: '+34600000002', code: '012345', app: 'acme' });
    await mpass(server.baseUrl).checkCode({ to: '+34600000002', code: '012345' });
    expect(server.requests.map((r) => r.url)).toEqual([
      '/mpass-web/rest/mv/verify?apikey=chan+key%261&dest=%2B34600000002&otp=012345&app=acme',
      '/mpass-web/rest/mv/verify?apikey=chan+key%261&dest=%2B34600000002&otp=012345',
    ]);
  });

  it.each<[string | number, MpassOutcome]>([
    ['0', 'accepted'],
    ['1', 'invalid_data'],
    ['2', 'access_denied'],
    ['3', 'rejected'],
    ['4', 'expired'],
    ['100', 'internal_error'],
    [4, 'expired'],
  ])('maps status %p to %s', async (status, outcome) => {
    server = await startRecordingServer({ status: 200, body: { description: 'whatever', status } });
    await expect(mpass(server.baseUrl).checkCode({ to: '+34600000002', code: '1234' })).resolves.toBe(outcome);
  });

  it.each([
    ['an unknown status', { status: 200, body: { status: '7' } }],
    ['a status that is an inherited property name', { status: 200, body: { status: 'toString' } }],
    ['no status', { status: 200, body: { description: 'Accept' } }],
    ['an answer that is not JSON', { status: 200, body: '<html>maintenance</html>' }],
    ['HTTP 503', { status: 503, body: { description: 'Accept', status: '0' } }],
  ])('throws SmsProviderFailed on %s', async (_, reply) => {
    server = await startRecordingServer(reply);
    await expect(mpass(server.baseUrl).sendCode({ to: '+34600000002', lang: 'en' })).rejects.toThrow(SmsProviderFailed);
  });

  it('throws SmsProviderFailed on a timeout, without the API key, number or code in the error', async () => {
    server = await startRecordingServer('hang');
    const error = (await mpass(server.baseUrl, 150).checkCode({ to: '+34600000002', code: '987654' }).catch((err: unknown) => err)) as Error;
    expect(error).toBeInstanceOf(SmsProviderFailed);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toMatch(/chan|600000002|987654/);
  });
});
