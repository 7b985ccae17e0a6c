import { describe, it, expect, afterEach } from '@jest/globals';
import { TwilioSmsProvider } from '../../../src/otp/sms/twilio.js';
import { SmsProviderFailed } from '../../../src/otp/sms/provider.js';
import { formFields, startRecordingServer, type RecordingServer } from './recording-server.js';

const message = { to: '+34600000002', body: 'Acme: your code is 123456 & more+.\n\n@example.com #123456' };
let server: RecordingServer | undefined;
afterEach(async () => server?.close());

function twilio(baseUrl: string, extra: { from?: string; messagingServiceSid?: string; timeoutMs?: number } = { from: '+15005550006' }) {
  return new TwilioSmsProvider({ accountSid: 'AC123', authToken: 'tok:en', baseUrl, timeoutMs: 2000, ...extra });
}

describe('TwilioSmsProvider', () => {
  it('creates a Message: POST form to /2010-04-01/Accounts/{sid}/Messages.json with Basic auth', async () => {
    server = await startRecordingServer({ status: 201, body: { sid: 'SM0123', status: 'queued' } });

    const result = await twilio(server.baseUrl).send(message);

    expect(result).toEqual({ messageId: 'SM0123' });
    const [request] = server.requests;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/2010-04-01/Accounts/AC123/Messages.json');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('AC123:tok:en').toString('base64')}`);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(formFields(request.body)).toEqual({ To: '+34600000002', From: '+15005550006', Body: message.body });
    expect(request.body).toContain('To=%2B34600000002');
  });

  it('sends MessagingServiceSid instead of From when only a Messaging Service is configured', async () => {
    server = await startRecordingServer({ status: 201, body: { sid: 'SM1' } });
    await twilio(server.baseUrl, { messagingServiceSid: 'MG999' }).send(message);
    expect(formFields(server.requests[0].body)).toEqual({ To: '+34600000002', MessagingServiceSid: 'MG999', Body: message.body });
  });

  it('fails with Twilio\'s error code, never its message (which quotes the number), on a 400', async () => {
    server = await startRecordingServer({ status: 400, body: { code: 21211, message: "The 'To' number +34600000002 is not valid", status: 400 } });
    const error = await twilio(server.baseUrl).send(message).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SmsProviderFailed);
    expect((error as SmsProviderFailed).provider).toBe('twilio');
    expect((error as Error).message).toBe('twilio: HTTP 400, Twilio error 21211');
  });

  it('fails on a 500', async () => {
    server = await startRecordingServer({ status: 500, body: 'oops' });
    await expect(twilio(server.baseUrl).send(message)).rejects.toThrow(SmsProviderFailed);
  });

  it('fails when Twilio does not answer in time, without the token in the error', async () => {
    server = await startRecordingServer('hang');
    const started = Date.now();
    const error = (await twilio(server.baseUrl, { from: '+1', timeoutMs: 150 }).send(message).catch((err: unknown) => err)) as SmsProviderFailed;
    expect(error).toBeInstanceOf(SmsProviderFailed);
    expect(error.message).toBe('twilio: no answer in time');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toMatch(/tok:en|123456|600000002/);
  });

  it('fails when nothing listens', async () => {
    server = await startRecordingServer({ status: 201 });
    const { baseUrl } = server;
    await server.close();
    server = undefined;
    await expect(twilio(baseUrl).send(message)).rejects.toThrow(/twilio: request failed \(ECONNREFUSED\)/);
  });
});
