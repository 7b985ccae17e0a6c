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
  const app = config.webhooks.applications.find((a) => a.id === applicationId);
  if (!app?.url) return undefined;
  const secret = app.secret ?? (app.id === config.verification.applicationId ? secrets.webhookSecret : undefined);
  return secret ? { applicationId, url: app.url, secret } : undefined;
}
