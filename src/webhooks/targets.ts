import type { Config } from '../config/index.js';
import type { Secrets } from '../keys/secrets.js';
import type { Store } from '../store/store.js';

/** Where one application's events go and the secret that signs them. */
export interface WebhookTarget {
  applicationId: string;
  url: string;
  secret: string;
}

/**
 * The configured receiver of an application, or undefined when it has none (no URL, or an application
 * the configuration no longer lists). Only configuration decides where events go: never a request.
 */
export function webhookTargetOf(config: Readonly<Config>, secrets: Secrets, applicationId: string): WebhookTarget | undefined {
  const url = config.webhooks.applications.find((a) => a.id === applicationId)?.url;
  const secret = webhookSecretOf(config, secrets, applicationId);
  return url && secret ? { applicationId, url, secret } : undefined;
}

/** The secret that signs an application's events: its own, or for the default application the generated one. */
export function webhookSecretOf(config: Readonly<Config>, secrets: Secrets, applicationId: string): string | undefined {
  const app = config.webhooks.applications.find((a) => a.id === applicationId);
  return app?.secret ?? (applicationId === config.verification.applicationId ? secrets.webhookSecret : undefined);
}

/**
 * Where an application's events go: the configured applications (APPLICATION_ID, BROKER_CONFIG) first, then the
 * applications stored with `npm run apps` or the admin API (their own URL and generated secret). An id the
 * configuration lists is never looked up in the store, so a stored application cannot redirect its events.
 */
export async function webhookTargetFor(
  deps: { config: Readonly<Config>; secrets: Secrets; store: Pick<Store, 'applications'> },
  applicationId: string,
): Promise<WebhookTarget | undefined> {
  if (deps.config.webhooks.applications.some((a) => a.id === applicationId)) return webhookTargetOf(deps.config, deps.secrets, applicationId);
  const stored = await deps.store.applications.get(applicationId);
  return stored?.webhookUrl ? { applicationId, url: stored.webhookUrl, secret: stored.webhookSecret } : undefined;
}
