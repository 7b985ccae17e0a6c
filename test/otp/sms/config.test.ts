import { describe, it, expect } from '@jest/globals';
import {
  buildMpassUpstream,
  buildSmsProviders,
  ConsoleSmsProvider,
  HttpSmsProvider,
  MpassUpstream,
  SandboxInbox,
  smsEnvDoc,
  smsEnvSchema,
  TwilioSmsProvider,
  VonageSmsProvider,
} from '../../../src/otp/sms/index.js';

const twilioEnv = { TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '+15005550006' };
const vonageEnv = { VONAGE_API_KEY: 'k', VONAGE_API_SECRET: 's', VONAGE_FROM: 'Acme' };
const httpEnv = { SMS_HTTP_URL: 'https://sms.example.com/send', SMS_HTTP_PAYLOAD_TEMPLATE: '{"content": {{body}}, "to": {{mobile}}}' };

/** The issues of a failed parse as `VAR: message` lines, the way the broker prints them. */
function issues(env: Record<string, string | undefined>): string[] {
  const result = smsEnvSchema.safeParse(env);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('smsEnvSchema', () => {
  it('defaults to the console provider, 5000 ms and the brand "Verify"', () => {
    expect(smsEnvSchema.parse({})).toEqual({
      providers: ['console'],
      timeoutMs: 5000,
      brand: 'Verify',
      twilio: undefined,
      vonage: undefined,
      http: undefined,
      mpass: undefined,
    });
  });

  it('treats empty variables as unset, as .env files write them', () => {
    expect(smsEnvSchema.parse({ SMS_PROVIDERS: '', SMS_TIMEOUT_MS: '', SMS_BRAND: ' ', TWILIO_FROM: '' })).toMatchObject({
      providers: ['console'],
      timeoutMs: 5000,
      brand: 'Verify',
    });
  });

  it('reads the failover order and every provider\'s settings, with default base URLs', () => {
    const config = smsEnvSchema.parse({
      SMS_PROVIDERS: ' twilio, vonage ,http,console',
      SMS_TIMEOUT_MS: '2500',
      SMS_BRAND: 'Acme',
      ...twilioEnv,
      ...vonageEnv,
      ...httpEnv,
      SMS_HTTP_METHOD: 'put',
      SMS_HTTP_CONTENT_TYPE: 'json',
      SMS_HTTP_HEADERS: 'authorization: abc',
      MPASS_BASE_URL: 'https://mpass.example.com/',
      MPASS_API_KEY: 'chan',
      UNRELATED: 'ignored',
    });
    expect(config).toEqual({
      providers: ['twilio', 'vonage', 'http', 'console'],
      timeoutMs: 2500,
      brand: 'Acme',
      twilio: { accountSid: 'AC1', authToken: 'tok', from: '+15005550006', messagingServiceSid: undefined, baseUrl: 'https://api.twilio.com' },
      vonage: { apiKey: 'k', apiSecret: 's', from: 'Acme', baseUrl: 'https://rest.nexmo.com' },
      http: { url: httpEnv.SMS_HTTP_URL, method: 'PUT', contentType: 'JSON', payloadTemplate: httpEnv.SMS_HTTP_PAYLOAD_TEMPLATE, headers: 'authorization: abc' },
      mpass: { baseUrl: 'https://mpass.example.com', apiKey: 'chan' },
    });
  });

  it('names each missing variable of a listed provider in the issue path', () => {
    expect(issues({ SMS_PROVIDERS: 'twilio' })).toEqual([
      'TWILIO_ACCOUNT_SID: required when SMS_PROVIDERS includes twilio',
      'TWILIO_AUTH_TOKEN: required when SMS_PROVIDERS includes twilio',
      'TWILIO_FROM: set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID when SMS_PROVIDERS includes twilio',
    ]);
    expect(issues({ SMS_PROVIDERS: 'vonage', VONAGE_API_KEY: 'k' })).toEqual([
      'VONAGE_API_SECRET: required when SMS_PROVIDERS includes vonage',
      'VONAGE_FROM: required when SMS_PROVIDERS includes vonage',
    ]);
    expect(issues({ SMS_PROVIDERS: 'http', SMS_HTTP_URL: httpEnv.SMS_HTTP_URL })).toEqual([
      'SMS_HTTP_PAYLOAD_TEMPLATE: required when SMS_PROVIDERS includes http',
    ]);
  });

  it('accepts Twilio with a Messaging Service instead of a sender', () => {
    const { TWILIO_FROM: _, ...rest } = twilioEnv;
    expect(issues({ SMS_PROVIDERS: 'twilio', ...rest, TWILIO_MESSAGING_SERVICE_SID: 'MG1' })).toEqual([]);
  });

  it('does not ask for the variables of providers that are not listed', () => {
    expect(issues({ SMS_PROVIDERS: 'console', TWILIO_FROM: '+1' })).toEqual([]);
    expect(smsEnvSchema.parse({ SMS_PROVIDERS: 'console', ...twilioEnv }).twilio).toBeUndefined();
  });

  it('reports a broken custom template or header list under its variable', () => {
    expect(issues({ SMS_PROVIDERS: 'http', ...httpEnv, SMS_HTTP_PAYLOAD_TEMPLATE: '{"content": {{body}}, "to": {{mobile}}' })).toEqual([
      expect.stringMatching(/^SMS_HTTP_PAYLOAD_TEMPLATE: payload template is not valid JSON/),
    ]);
    expect(issues({ SMS_PROVIDERS: 'http', ...httpEnv, SMS_HTTP_HEADERS: 'authorization abc' })).toEqual([
      expect.stringMatching(/^SMS_HTTP_HEADERS: header 1 is not written "name: value"/),
    ]);
  });

  it('refuses unknown or repeated providers, bad numbers, methods, content types and URLs', () => {
    expect(issues({ SMS_PROVIDERS: 'console,pigeon' })).toEqual([expect.stringMatching(/^SMS_PROVIDERS: unknown provider "pigeon"/)]);
    expect(issues({ SMS_PROVIDERS: 'console,console' })).toEqual([expect.stringMatching(/^SMS_PROVIDERS: "console" is listed twice/)]);
    expect(issues({ SMS_PROVIDERS: ' , ' })).toEqual([expect.stringMatching(/^SMS_PROVIDERS: /)]);
    expect(issues({ SMS_TIMEOUT_MS: 'soon' })).toEqual([expect.stringMatching(/^SMS_TIMEOUT_MS: /)]);
    expect(issues({ SMS_TIMEOUT_MS: '10' })).toEqual([expect.stringMatching(/^SMS_TIMEOUT_MS: /)]);
    expect(issues({ SMS_HTTP_METHOD: 'GET' })).toEqual([expect.stringMatching(/^SMS_HTTP_METHOD: /)]);
    expect(issues({ SMS_HTTP_CONTENT_TYPE: 'XML' })).toEqual([expect.stringMatching(/^SMS_HTTP_CONTENT_TYPE: /)]);
    expect(issues({ TWILIO_BASE_URL: 'ftp://api.twilio.com' })).toEqual(['TWILIO_BASE_URL: must be an http(s) URL']);
  });

  it('needs both mPass variables once one is set', () => {
    expect(issues({ MPASS_BASE_URL: 'https://mpass.example.com' })).toEqual([
      'MPASS_API_KEY: MPASS_BASE_URL and MPASS_API_KEY are needed together',
    ]);
  });
});

describe('smsEnvDoc', () => {
  it('documents every variable the schema reads, with the defaults the schema applies', () => {
    const names = smsEnvDoc.map((entry) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(
      [
        'SMS_PROVIDERS', 'SMS_TIMEOUT_MS', 'SMS_BRAND',
        'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'TWILIO_MESSAGING_SERVICE_SID', 'TWILIO_BASE_URL',
        'VONAGE_API_KEY', 'VONAGE_API_SECRET', 'VONAGE_FROM', 'VONAGE_BASE_URL',
        'SMS_HTTP_URL', 'SMS_HTTP_METHOD', 'SMS_HTTP_CONTENT_TYPE', 'SMS_HTTP_PAYLOAD_TEMPLATE', 'SMS_HTTP_HEADERS',
        'MPASS_BASE_URL', 'MPASS_API_KEY',
      ].sort(),
    );
    for (const entry of smsEnvDoc) expect(entry.description.length).toBeGreaterThan(10);

    // the documented defaults, written out, parse to the same config as no variables at all
    const documented = Object.fromEntries(smsEnvDoc.filter((e) => e.default !== undefined).map((e) => [e.name, e.default]));
    expect(smsEnvSchema.parse(documented)).toEqual(smsEnvSchema.parse({}));
    const withProviders = { SMS_PROVIDERS: 'twilio,vonage', ...twilioEnv, ...vonageEnv };
    expect(smsEnvSchema.parse({ ...documented, ...withProviders })).toEqual(smsEnvSchema.parse(withProviders));
  });
});

describe('buildSmsProviders', () => {
  it('builds the providers in SMS_PROVIDERS order, and mPass when configured', () => {
    const config = smsEnvSchema.parse({
      SMS_PROVIDERS: 'http,vonage,twilio,console',
      ...twilioEnv,
      ...vonageEnv,
      ...httpEnv,
      MPASS_BASE_URL: 'https://mpass.example.com',
      MPASS_API_KEY: 'chan',
    });
    const providers = buildSmsProviders(config, { inbox: new SandboxInbox(), print: () => {} });
    expect(providers.map((p) => p.name)).toEqual(['http', 'vonage', 'twilio', 'console']);
    expect(providers[0]).toBeInstanceOf(HttpSmsProvider);
    expect(providers[1]).toBeInstanceOf(VonageSmsProvider);
    expect(providers[2]).toBeInstanceOf(TwilioSmsProvider);
    expect(providers[3]).toBeInstanceOf(ConsoleSmsProvider);
    expect(buildMpassUpstream(config)).toBeInstanceOf(MpassUpstream);
    expect(buildMpassUpstream(smsEnvSchema.parse({}))).toBeUndefined();
  });

  it('the console provider it builds writes to the given inbox and printer', async () => {
    const inbox = new SandboxInbox();
    const lines: string[] = [];
    const [provider] = buildSmsProviders(smsEnvSchema.parse({}), { inbox, print: (line) => lines.push(line) });
    await provider.send({ to: '+34600000002', body: 'hello' });
    expect(inbox.list('+34600000002')).toHaveLength(1);
    expect(lines).toHaveLength(1);
  });

  it('refuses a hand-built config that lists a provider without its settings', () => {
    expect(() => buildSmsProviders({ providers: ['twilio'], timeoutMs: 1000, brand: 'x' }, { inbox: new SandboxInbox(), print: () => {} })).toThrow(
      /twilio is listed but has no settings/,
    );
  });
});
