import { z } from 'zod';
import { applicationSettingsSchema, type Application } from '../../applications/application.js';
import type { BrokerDeps } from '../../deps.js';
import { NotFound } from '../../errors.js';

const settings = applicationSettingsSchema.shape;
const sms = settings.sms.unwrap().shape;
const countries = settings.countries.unwrap().shape;
const limits = settings.limits.unwrap().shape;

/**
 * The settings an update may change, each optional and without the defaults of creation (a default here
 * would reset a field the administrator did not mention). Same checks as applicationSettingsSchema.
 */
export const applicationUpdateInput = z.strictObject({
  name: settings.name.optional(),
  /** null removes it: the application's events are then recorded, not sent */
  webhookUrl: settings.webhookUrl.unwrap().nullable().optional(),
  returnUrlPrefixes: settings.returnUrlPrefixes.unwrap().optional(),
  sms: z.strictObject({ brand: sms.brand, languages: sms.languages }).optional(),
  countries: z.strictObject({ allow: countries.allow.unwrap().optional(), deny: countries.deny.unwrap().optional() }).optional(),
  limits: z
    .strictObject({
      requestsPerMinute: limits.requestsPerMinute.unwrap().optional(),
      startsPerMinute: limits.startsPerMinute.unwrap().optional(),
      smsPerDay: limits.smsPerDay.unwrap().optional(),
    })
    .optional(),
  /** a policy given replaces the whole policy (issue 17) */
  simSwap: settings.simSwap,
  numberRecycling: settings.numberRecycling,
  /** issue 18: a list given replaces the whole list */
  credentialOrigins: settings.credentialOrigins,
});
export type ApplicationUpdate = z.output<typeof applicationUpdateInput>;

/**
 * Changes an application's settings (`npm run apps -- update <id>`, PATCH /v1/applications/{id}).
 *
 * Rules:
 * - a field not given stays as it is; within `sms`, `countries` and `limits` each field given replaces that one
 *   field only (`{limits: {smsPerDay: 10}}` keeps the other limits); a list given replaces the whole list;
 * - `webhookUrl: null` removes the webhook URL;
 * - keys, the webhook secret and the id are not settings: they never change here;
 * - the change is computed from the latest stored application, atomically (store.applications.update).
 */
export async function updateApplication(deps: Pick<BrokerDeps, 'store' | 'now'>, id: string, update: ApplicationUpdate): Promise<Application> {
  const updatedAt = deps.now().toISOString();
  const updated = await deps.store.applications.update(id, (current) => applyUpdate(current, update, updatedAt));
  if (!updated) throw new NotFound('No such application.');
  return updated;
}

/** The application with `update` applied (pure: the store may run it again after a race). */
export function applyUpdate(current: Application, update: ApplicationUpdate, updatedAt: string): Application {
  const { webhookUrl, sms, countries, limits, ...whole } = update;
  const next: Application = {
    ...current,
    ...whole,
    sms: { ...current.sms, ...sms },
    countries: { ...current.countries, ...countries },
    limits: { ...current.limits, ...limits },
    updatedAt,
  };
  if (webhookUrl === null) delete next.webhookUrl;
  else if (webhookUrl !== undefined) next.webhookUrl = webhookUrl;
  return next;
}
