import type { Config } from '../config/index.js';
import type { Secrets } from '../keys/secrets.js';

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
