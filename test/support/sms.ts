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
