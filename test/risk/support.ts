import * as jose from 'jose';
import type { ApplicationSettings } from '../../src/applications/application.js';
import type { OperatorConfig } from '../../src/config/index.js';
import { sandboxOperator } from '../../src/operator/sandbox-operator.js';
import type { SandboxFaults, SandboxLineOptions } from '../../src/sandbox/index.js';
import { createTestApplication } from '../support/applications.js';
import { startTestBroker, type TestBroker } from '../support/broker.js';
import type { Device } from '../support/device.js';
import { lastCodeFor } from '../support/sms.js';
import { startReceiver, type Receiver } from '../webhooks/support/receiver.js';

/** the sandbox's SIMs: device source address → number */
export const SIMS = { '127.0.0.2': '+34600000002', '127.0.0.3': '+34600000003', '127.0.0.4': '+34600000004' };

/** A broker and its sandbox for the fraud-signal tests: generous SMS limits, fast webhook delivery. */
export async function startRiskBroker(options: { lines?: SandboxLineOptions; faults?: SandboxFaults; operator?: Partial<OperatorConfig>; env?: Record<string, string> } = {}): Promise<TestBroker> {
  return startTestBroker({
    env: { WEBHOOK_POLL_MS: '20', SMS_LIMIT_PER_PREFIX: '1000/3600', SMS_LIMIT_PER_IP: '1000/3600', START_LIMIT_PER_IP: '1000/60', ...options.env },
    sandbox: { sims: SIMS, lines: options.lines, faults: options.faults },
    operators: (issuer) => [{ ...sandboxOperator(issuer!), ...options.operator }],
  });
}

export interface RiskApp {
  id: string;
  auth: Record<string, string>;
  receiver: Receiver;
}

/** An application with these settings whose webhook events go to a receiver that checks them with standardwebhooks. */
export async function createRiskApp(broker: TestBroker, settings: Partial<ApplicationSettings> = {}): Promise<RiskApp> {
  const app = await createTestApplication(broker, settings);
  const receiver = await startReceiver(app.application.webhookSecret);
  await broker.deps.store.applications.update(app.application.id, (a) => ({ ...a, webhookUrl: receiver.url }));
  return { id: app.application.id, auth: app.auth, receiver };
}

/** The backend's calls, with its key. */
export function backendOf(broker: TestBroker, device: Device, app: RiskApp) {
  return {
    start: (body: object) => device.request('POST', `${broker.url}/v1/verifications`, { body, headers: app.auth }),
    post: (path: string, body: object = {}) => device.request('POST', `${broker.url}${path}`, { body, headers: app.auth }),
    read: (id: string) => device.request('GET', `${broker.url}/v1/verifications/${id}`, { headers: app.auth }),
  };
}

/** How many SMS the broker's sandbox inbox holds for a number. */
export async function smsCount(broker: TestBroker, device: Device, phoneNumber: string): Promise<number> {
  const res = await device.get(`${broker.url}/sandbox/inbox?phoneNumber=${encodeURIComponent(phoneNumber)}`);
  return (res.json().messages as unknown[]).length;
}

/** The backend's SMS-first verification, through to the code: the answer with its session token. */
export async function verifyBySms(broker: TestBroker, device: Device, app: RiskApp, body: { phoneNumber: string; knownSince?: string }) {
  const backend = backendOf(broker, device, app);
  const started = await backend.start({ workflow: [{ channel: 'sms' }], ...body });
  const id = started.json().verificationId as string;
  if (started.json().status !== 'otp_sent') return { started: started.json(), id };
  const code = await lastCodeFor(broker, body.phoneNumber, device);
  const done = await backend.post(`/v1/verifications/${id}/code`, { code });
  return { started: started.json(), id, done: done.json() };
}

/** The backend's silent verification: the device (its SIM by source address) opens checkUrl; the backend presents the code. */
export async function verifyBySilentAuth(broker: TestBroker, backendDevice: Device, app: RiskApp, simAddress: keyof typeof SIMS, body: object = {}) {
  const backend = backendOf(broker, backendDevice, app);
  const started = (await backend.start({ phoneNumber: SIMS[simAddress], workflow: [{ channel: 'silent_auth' }, { channel: 'sms' }], ...body })).json();
  const device = broker.device(simAddress);
  const { location } = await device.followUntil(started.checkUrl, (next) => next.pathname === '/callback' && next.origin === broker.url);
  const back = await device.get(location.href);
  const deepLinkOrPage = new URL(back.headers.location ?? `${broker.url}/`);
  // no returnUrl: the sample result page's fragment holds the completion code
  const code = deepLinkOrPage.searchParams.get('code') ?? new URLSearchParams(deepLinkOrPage.hash.slice(1)).get('code');
  const done = code ? (await backend.post(`/v1/verifications/${started.verificationId}/code`, { code })).json() : undefined;
  const read = (await backend.read(started.verificationId)).json();
  return { id: started.verificationId as string, done, read };
}

/** The session token as a backend checks it: signature against the broker's JWKS, issuer and audience. */
export async function verifiedClaims(broker: TestBroker, token: string, audience: string): Promise<jose.JWTPayload & { risk?: Record<string, any> }> {
  const jwks = jose.createRemoteJWKSet(new URL(`${broker.url}/.well-known/jwks.json`));
  const { payload } = await jose.jwtVerify(token, jwks, { issuer: broker.url, audience });
  return payload as jose.JWTPayload & { risk?: Record<string, any> };
}

/** The webhook event of a verification, once its signature checked out (standardwebhooks, in the receiver). */
export async function webhookOf(app: RiskApp, type: string, verificationId: string) {
  const [hook] = await app.receiver.waitFor((h) => h.event?.type === type && h.event.data.verificationId === verificationId);
  return hook.event!.data as Record<string, any>;
}

export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
