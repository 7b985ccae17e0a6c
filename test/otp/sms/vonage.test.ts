import { describe, it, expect, afterEach } from '@jest/globals';
import { VonageSmsProvider } from '../../../src/otp/sms/vonage.js';
import { SmsProviderFailed } from '../../../src/otp/sms/provider.js';
import { formFields, startRecordingServer, type RecordingServer } from './recording-server.js';

const accepted = { 'message-count': '1', messages: [{ to: '34600000002', 'message-id': '0C000000217B7F02', status: '0' }] };
let server: RecordingServer | undefined;
afterEach(async () => server?.close());

function vonage(baseUrl: string, timeoutMs = 2000) {
  return new VonageSmsProvider({ apiKey: 'key1', apiSecret: 'sec&ret', from: 'Acme', baseUrl, timeoutMs });
}

describe('VonageSmsProvider', () => {
  it('POSTs a form to /sms/json with the credentials, the number without "+" and the text', async () => {
    server = await startRecordingServer({ status: 200, body: accepted });
    const body = 'Acme: your code is 123456 & more+.\n\n@example.com #123456';

    const result = await vonage(server.baseUrl).send({ to: '+34600000002', body });

    expect(result).toEqual({ messageId: '0C000000217B7F02' });
    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/sms/json');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(formFields(request.body)).toEqual({ api_key: 'key1', api_secret: 'sec&ret', from: 'Acme', to: '34600000002', text: body });
  });

  it('asks for unicode when the text leaves the GSM alphabet (Arabic, Spanish accents)', async () => {
    server = await startRecordingServer({ status: 200, body: accepted });
    await vonage(server.baseUrl).send({ to: '+966501234567', body: 'رمز التحقق هو 123456' });
    await vonage(server.baseUrl).send({ to: '+34600000002', body: 'tu código es 123456' });
    await vonage(server.baseUrl).send({ to: '+34600000002', body: 'Ihr Code: 123456 (gültig)' });
    expect(server.requests.map((r) => formFields(r.body).type)).toEqual(['unicode', 'unicode', undefined]);
  });

  it('fails on a provider error status inside a 200, with the error text but not the number', async () => {
    server = await startRecordingServer({
      status: 200,
      body: { 'message-count': '1', messages: [{ status: '4', 'error-text': 'Bad Credentials for +34600000002' }] },
    });
    const error = (await vonage(server.baseUrl).send({ to: '+34600000002', body: 'x' }).catch((err: unknown) => err)) as SmsProviderFailed;
    expect(error).toBeInstanceOf(SmsProviderFailed);
    expect(error.provider).toBe('vonage');
    expect(error.message).toBe('vonage: status 4: Bad Credentials for …');
  });

  it('fails when any part of a long message was refused', async () => {
    server = await startRecordingServer({
      status: 200,
      body: { 'message-count': '2', messages: [{ status: '0', 'message-id': 'a' }, { status: '1', 'error-text': 'Throttled' }] },
    });
    await expect(vonage(server.baseUrl).send({ to: '+34600000002', body: 'x' })).rejects.toThrow('vonage: status 1: Throttled');
  });

  it('fails on a 500 and on an answer without messages', async () => {
    server = await startRecordingServer((request) => (request.body.includes('text=a') ? { status: 500 } : { status: 200, body: { foo: 1 } }));
    await expect(vonage(server.baseUrl).send({ to: '+34600000002', body: 'a' })).rejects.toThrow('vonage: HTTP 500');
    await expect(vonage(server.baseUrl).send({ to: '+34600000002', body: 'b' })).rejects.toThrow('vonage: unreadable answer');
  });

  it('fails when Vonage does not answer in time', async () => {
    server = await startRecordingServer('hang');
    await expect(vonage(server.baseUrl, 150).send({ to: '+34600000002', body: 'x' })).rejects.toThrow('vonage: no answer in time');
  });
});
