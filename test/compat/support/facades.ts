import type { Env } from '../../../src/config/index.js';
import type { TestBroker } from '../../support/broker.js';

/**
 * Settings for facade tests: the facades are opt-in (COMPAT_FACADES); every sandbox number shares the prefix +346000, so the per-prefix and per-IP
 * SMS windows are widened; tests of those limits start their own broker with tight ones.
 */
export const FACADE_ENV: Env = { COMPAT_FACADES: 'cloudsoftphone,mpass,wso2', SMS_LIMIT_PER_PREFIX: '1000/3600', SMS_LIMIT_PER_IP: '1000/3600' };

export function adminHeaders(broker: TestBroker): Record<string, string> {
  return { authorization: `Bearer ${broker.deps.secrets.adminApiKey}` };
}

/** the WSO2 facade's backend: SCIM, privileged validate-code/resend-code, silent-verify */
export function wso2Headers(broker: TestBroker): Record<string, string> {
  return { authorization: `Bearer ${broker.deps.secrets.wso2ApiKey}` };
}

/** the Cloud Softphone provisioning backend: check */
export function cloudSoftphoneHeaders(broker: TestBroker): Record<string, string> {
  return { authorization: `Bearer ${broker.deps.secrets.cloudSoftphoneApiKey}` };
}

/** the log lines the broker itself wrote (the sandbox console provider prints codes by design) */
export function brokerLogs(broker: TestBroker): string {
  return broker.logs.filter((l) => !l.startsWith('[sms console]')).join('\n');
}

/**
 * Where `secret` appears in the logs as a value of its own, not as a digit run inside a timestamp or a
 * random id (a 6-digit code turns up in `"time":1795427657203` one run in a few hundred).
 */
export function loggedSecrets(broker: TestBroker, secrets: string[]): string[] {
  const logs = brokerLogs(broker);
  const escape = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return secrets.filter((secret) => new RegExp(`(?<![A-Za-z0-9_-])${escape(secret)}(?![A-Za-z0-9_-])`).test(logs));
}

export async function verificationsTo(broker: TestBroker, phoneNumber: string) {
  return (await broker.deps.store.verifications.listRecent(500)).filter((v) => v.phoneNumber === phoneNumber);
}

export async function webhookEvents(broker: TestBroker, eventType: string) {
  const deliveries = await broker.deps.store.outbox.list({ limit: 500 });
  return deliveries.filter((d) => d.eventType === eventType).map((d) => JSON.parse(d.payload) as { type: string; data: Record<string, any> });
}
