import { z } from 'zod';
import { ConfigInvalid, intVar, urlVar, type EnvDoc } from './env.js';

/**
 * The Standard Webhooks retry schedule, in seconds before each attempt: immediately, 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. After the last attempt fails the delivery is marked failed.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#retry-schedule
 */
export const STANDARD_RETRY_SCHEDULE = '0,5,300,1800,7200,18000,36000,50400,72000,86400';

/**
 * Rules for a webhook secret: `whsec_` then standard base64 (padded, as the standardwebhooks libraries
 * decode it) of at least 24 random bytes. Anything shorter is guessable enough to forge signatures.
 */
export function isWebhookSecret(value: string): boolean {
  if (!value.startsWith('whsec_')) return false;
  const base64 = value.slice('whsec_'.length);
  if (base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return false;
  return Buffer.from(base64, 'base64').length >= 24;
}

const webhookSecret = () =>
  z.string().refine(isWebhookSecret, 'must be whsec_ followed by base64 of at least 24 random bytes');

const retrySchedule = z
  .string()
  .default(STANDARD_RETRY_SCHEDULE)
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean).map(Number))
  .pipe(z.array(z.number().min(0).max(7 * 86400)).min(1, 'needs at least one attempt').max(50))
  // the outbox makes an event due the moment it is written, so the first attempt is always immediate
  .refine((seconds) => seconds[0] === 0, 'the first attempt is immediate: the schedule starts with 0');

/** which expired verifications are announced with `verification.expired` (see flows/outcomes.ts `expired`) */
export const EXPIRED_EVENTS = ['after_code', 'all'] as const;
export type ExpiredEvents = (typeof EXPIRED_EVENTS)[number];

export const webhooksEnvSchema = z.object({
  WEBHOOK_URL: urlVar().optional(),
  WEBHOOK_SECRET: webhookSecret().optional(),
  WEBHOOK_TIMEOUT_MS: intVar(15000, 100, 60000),
  WEBHOOK_RETRY_SCHEDULE: retrySchedule,
  WEBHOOK_POLL_MS: intVar(1000, 10, 60000),
  WEBHOOK_EXPIRED_EVENTS: z.enum(EXPIRED_EVENTS).default('after_code'),
  WEBHOOK_RETENTION_HOURS: intVar(168, 1, 24 * 365),
});

export const webhooksEnvDoc: EnvDoc[] = [
  { name: 'WEBHOOK_URL', description: "Receiver of the default application's events (verification.succeeded, .failed, .expired). Unset: events are recorded as failed deliveries, not sent; replay them once a URL is set." },
  { name: 'WEBHOOK_SECRET', default: '(generated into DATA_DIR)', description: 'Standard Webhooks signing secret of the default application: whsec_ + base64 of at least 24 random bytes.' },
  { name: 'WEBHOOK_TIMEOUT_MS', default: '15000', description: 'Time a receiver has to answer one delivery attempt.' },
  { name: 'WEBHOOK_RETRY_SCHEDULE', default: STANDARD_RETRY_SCHEDULE, description: 'Comma-separated seconds before each attempt (Standard Webhooks schedule); starts with 0. A larger Retry-After from the receiver wins.' },
  { name: 'WEBHOOK_POLL_MS', default: '1000', description: 'How often the delivery worker looks for due deliveries in the outbox.' },
  { name: 'WEBHOOK_EXPIRED_EVENTS', default: 'after_code', description: 'Which expired verifications send verification.expired: after_code (only those where an SMS code was sent; abandoned starts expire silently) or all.' },
  { name: 'WEBHOOK_RETENTION_HOURS', default: '168', description: 'How long finished deliveries (delivered or failed) stay listable and replayable before they are deleted from the outbox.' },
];

/** One application of BROKER_CONFIG's `applications`: where its events go and the secret that signs them. */
export const applicationSchema = z
  .object({
    id: z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . and -'),
    webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
    webhookSecret: webhookSecret().optional(),
  })
  .strict()
  .refine((app) => !app.webhookUrl || app.webhookSecret, { message: 'webhookSecret is required with webhookUrl', path: ['webhookSecret'] });

export type ApplicationFileEntry = z.output<typeof applicationSchema>;

export interface WebhookApplication {
  id: string;
  /** absent: this application's events are not sent (see delivery-worker.ts) */
  url?: string;
  /** absent only for the default application: the generated secrets.webhookSecret signs its events */
  secret?: string;
}

export interface WebhooksConfig {
  timeoutMs: number;
  /** seconds before each attempt; its length is the number of attempts */
  retrySchedule: number[];
  pollMs: number;
  /** which expired verifications are announced */
  expiredEvents: ExpiredEvents;
  /** how long a finished delivery is kept, in ms */
  retentionMs: number;
  applications: WebhookApplication[];
}

/**
 * The applications that receive events: the default one (APPLICATION_ID) from WEBHOOK_URL/WEBHOOK_SECRET,
 * and the ones listed in BROKER_CONFIG. The default application may be described in the file instead,
 * but not in both places (which one would win is not something to guess).
 */
export function webhooksConfigOf(env: z.output<typeof webhooksEnvSchema>, defaultApplicationId: string, fromFile: ApplicationFileEntry[]): WebhooksConfig {
  const inFile = fromFile.some((app) => app.id === defaultApplicationId);
  if (inFile && (env.WEBHOOK_URL || env.WEBHOOK_SECRET)) {
    throw new ConfigInvalid([`WEBHOOK_URL/WEBHOOK_SECRET: application "${defaultApplicationId}" is also listed in BROKER_CONFIG; configure it in one place`]);
  }
  const applications: WebhookApplication[] = fromFile.map((app) => ({ id: app.id, url: app.webhookUrl, secret: app.webhookSecret }));
  if (!inFile) applications.unshift({ id: defaultApplicationId, url: env.WEBHOOK_URL, secret: env.WEBHOOK_SECRET });
  return {
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    retrySchedule: env.WEBHOOK_RETRY_SCHEDULE,
    pollMs: env.WEBHOOK_POLL_MS,
    expiredEvents: env.WEBHOOK_EXPIRED_EVENTS,
    retentionMs: env.WEBHOOK_RETENTION_HOURS * 3600 * 1000,
    applications,
  };
}
