import type { Application } from '../../applications/application.js';
import type { OperatorConfig } from '../../config/index.js';
import type { BrokerDeps } from '../../deps.js';
import { event, type RiskRefusal, type RiskSignals, type Verification, type VerificationEvent } from '../../domain/verification.js';
import type { OperatorAccessToken } from '../../operator/operator-client.js';
import { riskPolicies, simSwapDecision } from './policies.js';

export type RiskDeps = Pick<BrokerDeps, 'operators' | 'logger' | 'now'>;

/** Where the number is about to be trusted: before an SMS is sent, or after Number Verification said match. */
export type RiskPath = { channel: 'sms' } | { channel: 'silent'; operator: OperatorConfig; accessToken: OperatorAccessToken };

export interface RiskOutcome {
  /** the signals checked (new or reused); undefined when no policy asked for any */
  signals?: RiskSignals;
  /** one event per signal checked now (none for a reused one); no number, no token */
  events: VerificationEvent[];
  /** set when a policy said block: the verification must fail with this reason */
  refusal?: RiskRefusal;
}

/**
 * The fraud signals of a verification at the moment its number is about to be trusted (issue 17).
 *
 * Rules:
 * - SIM Swap runs when a policy applies (policies.ts: the application's, else the operator's): before an SMS with
 *   a client-credentials token (phoneNumber sent); on the silent path with the operator's own token when the
 *   authorization granted `sim-swap:check` (no number sent), else client credentials;
 * - Number Recycling runs when the caller said since when the number was its user's (`knownSince`), with client
 *   credentials, `specifiedDate` = knownSince;
 * - the caller hands in the verification's stored application (it has read it already, or reads it once);
 * - before an SMS the operator is the one that serves the number today (Telco Finder first, as for the silent leg);
 * - the two run together; a signal already on the verification (a resend) is reused, not asked again;
 * - a check that cannot answer (no operator serves the number, no token, timeout, 5xx, 403/404/422) is
 *   `unknown`, never an error: the policy's onUnknown says what it does (default allow);
 * - block → `refusal` (SIM_SWAPPED, SIM_SWAP_UNKNOWN, NUMBER_RECYCLED); flag and allow let it through, the
 *   signals recorded either way (the token and webhook carry the facts; the events say what the policy decided).
 */
export async function assessRisk(deps: RiskDeps, v: Verification, path: RiskPath, context: { correlator: string; application: Application | undefined }): Promise<RiskOutcome> {
  const { correlator, application } = context;
  const operator = path.channel === 'silent' ? path.operator : await deps.operators.serving(v.phoneNumber);
  const policies = riskPolicies(operator, application);
  if (!policies.simSwap && !v.knownSince) return { events: [] };

  const [simSwap, recycling] = await Promise.all([
    policies.simSwap && (v.risk?.simSwap?.maxAgeHours === policies.simSwap.maxAgeHours ? { reused: v.risk.simSwap } : checkSimSwap(deps, operator, v, policies.simSwap.maxAgeHours, path, correlator)),
    v.knownSince && (v.risk?.numberRecycling?.since === v.knownSince ? { reused: v.risk.numberRecycling } : checkRecycling(deps, operator, v, v.knownSince, correlator)),
  ]);

  const signals: RiskSignals = {};
  const events: VerificationEvent[] = [];
  const refusals: RiskRefusal[] = [];
  if (simSwap && policies.simSwap) {
    const fact = 'reused' in simSwap ? simSwap.reused : simSwap.fact;
    const decision = simSwapDecision(policies.simSwap, fact.status, path.channel);
    signals.simSwap = fact;
    if (!('reused' in simSwap)) events.push(event('sim_swap_checked', { status: fact.status, maxAgeHours: fact.maxAgeHours, path: path.channel, decision, ...simSwap.detail }, deps.now()));
    if (decision === 'block') refusals.push(fact.status === 'swapped' ? 'SIM_SWAPPED' : 'SIM_SWAP_UNKNOWN');
  }
  if (recycling) {
    const fact = 'reused' in recycling ? recycling.reused : recycling.fact;
    const decision = fact.status === 'recycled' ? policies.numberRecycling.onRecycled : 'allow';
    signals.numberRecycling = fact;
    if (!('reused' in recycling)) events.push(event('number_recycling_checked', { status: fact.status, since: fact.since, path: path.channel, decision, ...recycling.detail }, deps.now()));
    if (decision === 'block') refusals.push('NUMBER_RECYCLED');
  }
  if (events.length) deps.logger.info({ verificationId: v.id, risk: events.map((e) => e.detail) }, 'fraud signals checked');
  return { signals, events, ...(refusals.length && { refusal: refusals[0] }) };
}

type Detail = Record<string, string>;

async function checkSimSwap(deps: RiskDeps, operator: OperatorConfig | undefined, v: Verification, maxAgeHours: number, path: RiskPath, correlator: string) {
  const answer = operator
    ? await deps.operators.checkSimSwap(operator, { phoneNumber: v.phoneNumber, maxAgeHours, correlator, ...(path.channel === 'silent' && { accessToken: path.accessToken }) })
    : { status: 'unknown' as const, failure: { reason: 'no_operator' } };
  return { fact: { status: answer.status, checkedAt: deps.now().toISOString(), maxAgeHours }, detail: detailOf(answer) };
}

async function checkRecycling(deps: RiskDeps, operator: OperatorConfig | undefined, v: Verification, since: string, correlator: string) {
  const answer = operator
    ? await deps.operators.checkNumberRecycling(operator, { phoneNumber: v.phoneNumber, since, correlator })
    : { status: 'unknown' as const, failure: { reason: 'no_operator' } };
  return { fact: { status: answer.status, checkedAt: deps.now().toISOString(), since }, detail: detailOf(answer) };
}

/** what the event keeps of how the answer was had: the token kind, and why it is unknown */
function detailOf(answer: { token?: string; failure?: { reason: string; operatorCode?: string } }): Detail {
  return {
    ...(answer.token && { token: answer.token }),
    ...(answer.failure && { failure: answer.failure.reason }),
    ...(answer.failure?.operatorCode && { operatorCode: answer.failure.operatorCode }),
  };
}
