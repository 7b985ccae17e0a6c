import { describe, it, expect, afterEach } from '@jest/globals';
import { AllSmsProvidersFailed, sendWithFailover } from '../../../src/otp/sms/failover.js';
import { TwilioSmsProvider } from '../../../src/otp/sms/twilio.js';
import { VonageSmsProvider } from '../../../src/otp/sms/vonage.js';
import { SmsProviderFailed, type SmsProvider } from '../../../src/otp/sms/provider.js';
import { startRecordingServer, type RecordingServer } from './recording-server.js';

const message = { to: '+34600000002', body: 'Acme: your code is 123456.\n\n@example.com #123456' };
const servers: RecordingServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(...args: Parameters<typeof startRecordingServer>) {
  const server = await startRecordingServer(...args);
  servers.push(server);
  return server;
}

const twilioAt = (baseUrl: string, timeoutMs = 2000) =>
  new TwilioSmsProvider({ accountSid: 'AC1', authToken: 't', from: '+15005550006', baseUrl, timeoutMs });
const vonageAt = (baseUrl: string) => new VonageSmsProvider({ apiKey: 'k', apiSecret: 's', from: 'Acme', baseUrl, timeoutMs: 2000 });
const vonageAccepted = { status: 200, body: { 'message-count': '1', messages: [{ status: '0', 'message-id': 'V1' }] } };

describe('sendWithFailover', () => {
  it('when the first provider answers 500, the second one sends the message', async () => {
    const twilio = await serve({ status: 500 });
    const vonage = await serve(vonageAccepted);
    const failures: string[] = [];

    const result = await sendWithFailover([twilioAt(twilio.baseUrl), vonageAt(vonage.baseUrl)], message, (name, err) => {
      expect(err).toBeInstanceOf(SmsProviderFailed);
      failures.push(name);
    });

    expect(result).toEqual({ provider: 'vonage', messageId: 'V1' });
    expect(failures).toEqual(['twilio']);
    expect(twilio.requests).toHaveLength(1);
    expect(vonage.requests).toHaveLength(1);
  });

  it('when the first provider does not answer in time, the second one sends the message', async () => {
    const twilio = await serve('hang');
    const vonage = await serve(vonageAccepted);
    const result = await sendWithFailover([twilioAt(twilio.baseUrl, 150), vonageAt(vonage.baseUrl)], message);
    expect(result.provider).toBe('vonage');
  });

  it('stops at the first provider that accepts', async () => {
    const twilio = await serve({ status: 201, body: { sid: 'SM1' } });
    const vonage = await serve(vonageAccepted);
    const result = await sendWithFailover([twilioAt(twilio.baseUrl), vonageAt(vonage.baseUrl)], message);
    expect(result).toEqual({ provider: 'twilio', messageId: 'SM1' });
    expect(vonage.requests).toHaveLength(0);
  });

  it('when every provider fails, throws AllSmsProvidersFailed naming them, without the body or the number', async () => {
    const twilio = await serve({ status: 500 });
    const vonage = await serve({ status: 200, body: { messages: [{ status: '4', 'error-text': 'Bad Credentials' }] } });
    const failures: string[] = [];

    const error = (await sendWithFailover([twilioAt(twilio.baseUrl), vonageAt(vonage.baseUrl)], message, (name) => failures.push(name)).catch(
      (err: unknown) => err,
    )) as AllSmsProvidersFailed;

    expect(error).toBeInstanceOf(AllSmsProvidersFailed);
    expect(error.providers).toEqual(['twilio', 'vonage']);
    expect(error.message).toBe('all SMS providers failed: twilio, vonage');
    expect(error.errors).toHaveLength(2);
    expect(failures).toEqual(['twilio', 'vonage']);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toMatch(/123456|600000002/);
  });

  it('moves on after any error a provider throws, even one that is not SmsProviderFailed', async () => {
    const broken: SmsProvider = { name: 'broken', send: async () => Promise.reject(new TypeError('bug')) };
    const working: SmsProvider = { name: 'working', send: async () => ({ messageId: 'W1' }) };
    await expect(sendWithFailover([broken, working], message)).resolves.toEqual({ provider: 'working', messageId: 'W1' });
  });

  it('keeps going when the failure callback itself throws', async () => {
    const broken: SmsProvider = { name: 'broken', send: async () => Promise.reject(new SmsProviderFailed('broken', 'down')) };
    const working: SmsProvider = { name: 'working', send: async () => ({}) };
    const result = await sendWithFailover([broken, working], message, () => {
      throw new Error('logger down');
    });
    expect(result).toEqual({ provider: 'working', messageId: undefined });
  });

  it('with no providers, throws AllSmsProvidersFailed', async () => {
    await expect(sendWithFailover([], message)).rejects.toThrow(AllSmsProvidersFailed);
  });
});
