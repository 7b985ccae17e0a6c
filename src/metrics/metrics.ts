import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { VerificationMethod } from '../domain/verification.js';

export type VerificationOutcome = 'verified' | 'failed' | 'expired' | 'cancelled';
/** `search`: a Telco Finder lookup (operator `telco-finder`, whose client-credentials token is its `token`) */
export type OperatorEndpoint = 'discovery' | 'token' | 'verify' | 'search' | 'par' | 'sim_swap' | 'number_recycling' | 'credential_request';
export type OperatorCallOutcome = 'ok' | 'error' | 'timeout';
export type SmsSendResult = 'sent' | 'failed';
/** why an SMS send was refused before any provider was asked (see SmsLimits and sendCode) */
export type RateLimitReason = 'per_number' | 'per_ip' | 'per_prefix' | 'daily_budget' | 'application_budget' | 'destination_blocked' | 'resend_cooldown' | 'max_sends';
export type WebhookAttemptResult = 'delivered' | 'retry' | 'failed';

/**
 * What the broker counts, as verbs, so the code that counts reads as one line and never touches prom-client.
 * Each broker has its own registry (several brokers run in one test process); GET /metrics serves it.
 */
export interface Metrics {
  readonly registry: Registry;
  verificationStarted(method: VerificationMethod): void;
  verificationFinished(method: VerificationMethod, outcome: VerificationOutcome): void;
  fallbackRequired(reason: string): void;
  operatorCall(operator: string, endpoint: OperatorEndpoint, seconds: number, outcome: OperatorCallOutcome): void;
  smsSend(provider: string, result: SmsSendResult): void;
  rateLimitRefused(reason: RateLimitReason): void;
  webhookAttempt(result: WebhookAttemptResult): void;
  httpRequest(method: string, route: string, status: number, seconds: number): void;
}

export interface MetricsOptions {
  /** the outbox's pending deliveries, read when /metrics is scraped */
  pendingDeliveries: () => Promise<number>;
  /** process metrics (CPU, memory, event loop lag, GC); only worth collecting when /metrics is served */
  processMetrics: boolean;
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  const started = new Counter({
    name: 'broker_verifications_started_total',
    help: 'Verifications started, by the first method tried (silent_auth when an operator was chosen, else sms_otp).',
    labelNames: ['method'] as const,
    registers,
  });
  const finished = new Counter({
    name: 'broker_verifications_finished_total',
    help: 'Verifications that reached a final status, by the method in use and the outcome (verified, failed, expired).',
    labelNames: ['method', 'outcome'] as const,
    registers,
  });
  const fallbacks = new Counter({
    name: 'broker_fallbacks_total',
    help: 'Verifications sent from silent authentication to the SMS code, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  const operatorCalls = new Histogram({
    name: 'broker_operator_request_duration_seconds',
    help: 'Calls to operators, by operator, endpoint (discovery, token, par, verify, sim_swap, number_recycling, credential_request; search at telco-finder) and outcome (ok, error, timeout).',
    labelNames: ['operator', 'endpoint', 'outcome'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const smsSends = new Counter({
    name: 'broker_sms_sends_total',
    help: 'SMS handed to a provider, by provider and result (sent, failed); a failed send moves on to the next provider.',
    labelNames: ['provider', 'result'] as const,
    registers,
  });
  const refusals = new Counter({
    name: 'broker_rate_limit_refusals_total',
    help: 'SMS sends refused before reaching a provider, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  const webhookAttempts = new Counter({
    name: 'broker_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by result: delivered, retry (will be tried again), failed (no attempts left).',
    labelNames: ['result'] as const,
    registers,
  });
  new Gauge({
    name: 'broker_webhook_queue_depth',
    help: 'Webhook deliveries waiting in the outbox (pending or being delivered).',
    registers,
    async collect() {
      // a store that cannot answer leaves the last value; /readyz says the store is unreachable
      const pending = await options.pendingDeliveries().catch(() => undefined);
      if (pending !== undefined) this.set(pending);
    },
  });
  const httpRequests = new Histogram({
    name: 'broker_http_request_duration_seconds',
    help: "Requests to the broker, by method, route pattern (as in the route table) and status code.",
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  return {
    registry,
    verificationStarted: (method) => started.inc({ method }),
    verificationFinished: (method, outcome) => finished.inc({ method, outcome }),
    fallbackRequired: (reason) => fallbacks.inc({ reason }),
    operatorCall: (operator, endpoint, seconds, outcome) => operatorCalls.observe({ operator, endpoint, outcome }, seconds),
    smsSend: (provider, result) => smsSends.inc({ provider, result }),
    rateLimitRefused: (reason) => refusals.inc({ reason }),
    webhookAttempt: (result) => webhookAttempts.inc({ result }),
    httpRequest: (method, route, status, seconds) => httpRequests.observe({ method, route, status: String(status) }, seconds),
  };
}
