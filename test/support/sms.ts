import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Device } from './device.js';
import type { TestBroker } from './broker.js';

/** The last code the sandbox inbox holds for a number, read as a person would: from the SMS text. */
export async function lastCodeFor(broker: TestBroker, phoneNumber: string, device: Device): Promise<string> {
  const res = await device.get(`${broker.url}/sandbox/inbox?phoneNumber=${encodeURIComponent(phoneNumber)}`);
  const messages = res.json().messages as Array<{ body: string }>;
  if (!messages.length) throw new Error(`no SMS for ${phoneNumber}`);
  const match = /#(\d{4,10})\s*$/.exec(messages.at(-1)!.body);
  if (!match) throw new Error(`no origin-bound code line in: ${messages.at(-1)!.body}`);
  return match[1];
}

/** Starts a verification on WiFi (straight to SMS) and returns its id. */
export async function startOnWifi(broker: TestBroker, device: Device, phoneNumber: string, extra: Record<string, string> = {}): Promise<{ id: string; body: any; status: number }> {
  const res = await device.post(`${broker.url}/v1/verifications`, { phoneNumber, network: 'wifi', ...extra });
  const body = res.json();
  return { id: body.verificationId, body, status: res.status };
}

export function wrongCodeFor(code: string): string {
  return code.split('').map((d) => String((Number(d) + 1) % 10)).join('');
}

/** What the app does after a silent leg that did not verify: ask for the SMS code with a JSON POST. */
export async function askForCode(broker: TestBroker, device: Device, id: string): Promise<void> {
  const res = await device.post(`${broker.url}/v1/verifications/${id}/fallback`, {});
  if (res.status !== 202) throw new Error(`fallback refused: ${res.status} ${res.text}`);
}

/**
 * An http SMS provider for brokers run with the sandbox off (the console provider is refused there) in
 * tests that send no SMS: the gateway port is closed, so a send would fail rather than pass unseen.
 */
export const CLOSED_SMS_GATEWAY_ENV = {
  SMS_PROVIDERS: 'http',
  SMS_HTTP_URL: 'http://127.0.0.1:9/sms',
  SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}',
};

/** A custom HTTP SMS gateway on loopback that answers 200 and keeps what it was sent. */
export interface SmsGateway {
  /** env for the broker's `http` provider pointing at this gateway */
  env: Record<string, string>;
  received: Array<{ to: string; text: string }>;
  close(): Promise<void>;
}

export async function startSmsGateway(): Promise<SmsGateway> {
  const received: SmsGateway['received'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
  return {
    env: { SMS_PROVIDERS: 'http', SMS_HTTP_URL: url, SMS_HTTP_PAYLOAD_TEMPLATE: '{"to": {{mobile}}, "text": {{body}}}' },
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
