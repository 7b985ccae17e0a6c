import { applicationSettingsSchema, newApiKey, newWebhookSecret, type Application, type ApplicationSettings } from '../../src/applications/application.js';
import type { TestBroker } from './broker.js';

/** An application stored straight in the broker's store (as `npm run apps -- create` would), with its one key. */
export async function createTestApplication(
  broker: TestBroker,
  settings: Partial<Omit<ApplicationSettings, 'limits'>> & { id?: string; limits?: Partial<ApplicationSettings['limits']> } = {},
): Promise<{ application: Application; apiKey: string; auth: Record<string, string> }> {
  const now = new Date();
  const { key, record } = newApiKey(now);
  const { id, limits, ...rest } = settings;
  const parsed = applicationSettingsSchema.parse({ name: 'Test app', ...rest, ...(limits && { limits: { requestsPerMinute: 600, startsPerMinute: 60, smsPerDay: 1000, ...limits } }) });
  const application: Application = {
    ...parsed,
    id: id ?? `app-${Math.random().toString(36).slice(2, 10)}`,
    keys: [record],
    webhookSecret: newWebhookSecret(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await broker.deps.store.applications.create(application);
  return { application, apiKey: key, auth: { authorization: `Bearer ${key}` } };
}
