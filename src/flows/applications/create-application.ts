import { z } from 'zod';
import { APPLICATION_ID, applicationSettingsSchema, newApiKey, newWebhookSecret, type Application } from '../../applications/application.js';
import type { Config } from '../../config/index.js';
import type { BrokerDeps } from '../../deps.js';
import { Conflict } from '../../errors.js';
import { randomBuffer } from '../../random.js';

/** What an administrator gives to create an application: its settings, and an id if it wants to choose one. */
export const createApplicationInput = applicationSettingsSchema.extend({
  id: z.string().regex(APPLICATION_ID, 'letters, digits, _ . and -, at most 64').optional(),
});
export type CreateApplicationInput = z.output<typeof createApplicationInput>;

/**
 * Creates an application and its first API key (`npm run apps -- create`, POST /v1/applications).
 *
 * Rules:
 * - the id is the one given, else a slug of the name with a short random suffix (`billing-3f9a1c`), so two
 *   applications of the same name do not collide and ids are still readable in logs;
 * - an id already taken is refused with a Conflict and nothing is written: taken by a stored application, or by
 *   one of the configured applications (APPLICATION_ID, BROKER_CONFIG `applications`), which are not stored and
 *   whose events and verifications would otherwise be mixed with the new one's;
 * - the webhook secret is generated here (never chosen by a person) and one key is made; the key is returned
 *   once, to be shown once: only its hash is stored.
 */
export async function createApplication(
  deps: Pick<BrokerDeps, 'config' | 'store' | 'now'>,
  input: CreateApplicationInput,
): Promise<{ application: Application; apiKey: string }> {
  const { id: chosen, ...settings } = input;
  const id = chosen ?? idFromName(settings.name);
  if (configuredApplicationIds(deps.config).includes(id)) {
    throw new Conflict(`"${id}" is the id of an application configured with APPLICATION_ID or BROKER_CONFIG; choose another id.`);
  }
  const taken = () => new Conflict(`An application with id "${id}" exists; choose another id.`);
  if (await deps.store.applications.get(id)) throw taken();

  const now = deps.now();
  const { key, record } = newApiKey(now);
  const application: Application = {
    ...settings,
    id,
    keys: [record],
    webhookSecret: newWebhookSecret(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  try {
    await deps.store.applications.create(application);
  } catch (err) {
    // another administrator created the same id between the check and the write
    if (await deps.store.applications.get(id)) throw taken();
    throw err;
  }
  return { application, apiKey: key };
}

/** The ids of the applications that come from configuration (the default one included). */
export function configuredApplicationIds(config: Readonly<Config>): string[] {
  return [...new Set([config.verification.applicationId, ...config.webhooks.applications.map((app) => app.id)])];
}

/** `Billing Team (ES)` → `billing-team-es-3f9a1c` */
function idFromName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return `${slug || 'app'}-${randomBuffer(3).toString('hex')}`;
}
