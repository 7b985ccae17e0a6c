import { randomToken } from '../random.js';
import type { Application } from '../applications/application.js';
import { parseReturnUrlPrefix, type ReturnUrlPrefix } from '../config/return-url-prefixes.js';
import type { BrokerDeps } from '../deps.js';
import { allowsSms, awaitsOperator, startedOnSms, startedSilent } from '../domain/lifecycle.js';
import { event, type AuthorizationState, type Channel, type NetworkHint, type Verification } from '../domain/verification.js';
import { BrokerError, ServiceNotApplicable } from '../errors.js';
import { OperatorFailure } from '../operator/failure.js';
import type { SessionBinding } from '../store/store.js';
import { newCheckUrl } from './check-url.js';
import { sendCode } from './otp/send-code.js';
import { checkReturnUrl } from './return-url.js';
import { loadVerification, saveNewVerification } from './verifications.js';

export interface StartInput {
  phoneNumber: string;
  network: NetworkHint;
  returnUrl?: string;
  lang?: string;
  ownerId: string;
  applicationId?: string;
  /** the client's address, for the per-network start limit; without it a start is limited per number only */
  clientIp?: string;
  /** `sms`: the caller cannot follow an operator redirect (a facade's app or server): straight to the SMS leg */
  channel?: 'auto' | 'sms';
  /** who asked, recorded on the timeline in the same write (a facade and its details) */
  origin?: Record<string, string>;
  /**
   * A page of the broker's own where /callback sends the device (a facade's done page). Unlike `returnUrl` it is
   * not checked against RETURN_URL_PREFIXES, which guard redirects to others' sites; callers never take it from
   * a request.
   */
  brokerReturnUrl?: string;
  /**
   * Without a silent leg: `send` the code now (a JSON POST), or `wait`, leaving the verification
   * fallback_required (a GET, which any web page can make a browser send; the app then asks with a JSON POST).
   */
  sms?: 'send' | 'wait';
  /**
   * The caller's session, written in the same write as the verification (it binds the cookie to `ownerId`):
   * called with the verification about to be saved, so the session can remember the one it sent to an operator.
   */
  session?: (starting: { verificationId: string; silent: boolean }) => SessionBinding;
  /** since when (YYYY-MM-DD) the caller says the number was its user's: the Number Recycling check runs (issue 17) */
  knownSince?: string;
  /** an application's backend started it with its key (issue 14): its workflow, limits and return URLs apply */
  backend?: BackendStartInput;
}

export interface BackendStartInput {
  application: Application;
  /** the channels in order, without repeats (routes/start-verification.ts checks the shape) */
  workflow: Channel[];
  /** how long the silent leg may take before the next channel is due */
  silentTimeoutSeconds: number;
  clientRef?: string;
}

export interface Started {
  verification: Verification;
  /** where the device must go next, on cellular data; absent when the verification went to the SMS leg */
  authUrl?: string;
  /** for a backend's start: the broker URL its app opens instead of authUrl (flows/check-url.ts) */
  checkUrl?: string;
}

export type StartDeps = Pick<BrokerDeps, 'config' | 'store' | 'metrics' | 'operators' | 'logger' | 'now' | 'sms' | 'startLimits'>;

/**
 * Starts a verification, in one write, in the status it starts in.
 *
 * Rules:
 * - the returnUrl is checked, then the start limits (per client network and per number) are taken;
 * - on cellular (or unknown) network, with an operator for the number, operator/ prepares its authorization
 *   request and hands back an opaque state kept for the callback: `silent_auth_in_progress` with `authUrl`;
 * - on WiFi, for a caller that cannot follow redirects (`channel: sms`), with no operator, or when the
 *   operator's discovery fails: `fallback_required`, and the code goes out now only when `sms: 'send'`. A send
 *   the limits or the providers refuse is recorded on the verification, which stays fallback_required.
 * - a backend's start (an application key) follows its workflow: `sms` first goes straight to the SMS leg; a
 *   workflow without `sms` whose silent leg is not possible is refused (422 SERVICE_NOT_APPLICABLE) before
 *   anything is written; the silent leg lasts its `timeoutSeconds` (the authorization state dies with it), and
 *   the app gets a `checkUrl` of the broker's instead of the operator's URL. Its returnUrl must match the
 *   application's own prefixes (RETURN_URL_PREFIXES when it has none), and its starts count against the
 *   application's `startsPerMinute` on top of the per-network (the end user's `clientIp`) and per-number limits.
 */
export async function startVerification(deps: StartDeps, input: StartInput): Promise<Started> {
  // input is checked before it costs the caller a start
  const returnUrl = input.brokerReturnUrl ?? checkReturnUrl({ config: { returnUrlPrefixes: returnUrlPrefixesOf(deps, input) } }, input.returnUrl);
  const { backend } = input;
  await deps.startLimits.check({ clientIp: input.clientIp, phoneNumber: input.phoneNumber, application: backend?.application });
  const now = deps.now();
  const smsFirst = input.channel === 'sms' || backend?.workflow[0] === 'sms';
  const operator = input.network === 'wifi' || smsFirst ? undefined : deps.operators.route(input.phoneNumber);
  const record = newVerification(deps, input, returnUrl, now);
  const origin = input.origin ? [event('compat_request', input.origin, now)] : [];
  const noSilentLeg = () => {
    if (!allowsSms(record)) throw new ServiceNotApplicable('No silent check is possible for this number now, and the workflow has no sms channel.');
  };

  if (!operator) {
    noSilentLeg();
    // sms_channel: the caller cannot follow an operator redirect (a facade's app or server), whatever its network
    const reason = input.channel === 'sms' ? 'sms_channel' : input.network === 'wifi' ? 'network_wifi' : 'no_operator';
    return afterSilentLeg(deps, input, await save(deps, input, startedOnSms(record, reason, {}, now, origin)));
  }

  let begun: Awaited<ReturnType<StartDeps['operators']['beginAuthorization']>>;
  try {
    begun = await deps.operators.beginAuthorization(operator, input.phoneNumber);
  } catch (err) {
    if (!(err instanceof OperatorFailure)) throw err;
    deps.logger.warn({ verificationId: record.id, operator: operator.id, reason: err.reason, err: err.message }, 'operator discovery failed');
    noSilentLeg();
    return afterSilentLeg(deps, input, await save(deps, input, startedOnSms({ ...record, operatorId: operator.id }, err.reason, err.detail, now, origin)));
  }
  if (backend) return startBackendSilentLeg(deps, input, record, operator.id, begun, now, origin);
  // the operator's authorization state, opaque here, kept for the callback until the verification expires
  const authorization: AuthorizationState = { ...begun.authState, verificationId: record.id, expiresAt: record.expiresAt };
  const inProgress = await save(deps, input, startedSilent(record, operator.id, now, origin), authorization);
  return { verification: inProgress, authUrl: begun.url };
}

/** A backend's silent leg: bounded by its timeout, opened by the device through the broker's checkUrl. */
async function startBackendSilentLeg(
  deps: StartDeps,
  input: StartInput,
  record: Verification,
  operatorId: string,
  begun: { url: string; authState: Omit<AuthorizationState, 'verificationId' | 'expiresAt'> },
  now: Date,
  origin: Verification['events'],
): Promise<Started> {
  const silentDeadline = new Date(Math.min(now.getTime() + input.backend!.silentTimeoutSeconds * 1000, Date.parse(record.expiresAt))).toISOString();
  const check = newCheckUrl(deps.config.publicUrl, deps.sms.codeKey, record.id);
  const withCheck: Verification = { ...record, backend: { ...record.backend!, silentDeadline, checkTokenHash: check.tokenHash, authUrl: begun.url } };
  const authorization: AuthorizationState = { ...begun.authState, verificationId: record.id, expiresAt: silentDeadline };
  const inProgress = await save(deps, input, startedSilent(withCheck, operatorId, now, origin), authorization);
  return { verification: inProgress, checkUrl: check.url };
}

/** An application's own return URL prefixes when it has some, else RETURN_URL_PREFIXES. */
function returnUrlPrefixesOf(deps: StartDeps, input: StartInput): readonly ReturnUrlPrefix[] {
  const own = input.backend?.application.returnUrlPrefixes ?? [];
  return own.length ? own.map((raw) => parseReturnUrlPrefix(raw) as ReturnUrlPrefix) : deps.config.returnUrlPrefixes;
}

function newVerification(deps: StartDeps, input: StartInput, returnUrl: string | undefined, now: Date): Verification {
  return {
    id: `vrf_${randomToken(16)}`,
    applicationId: input.backend?.application.id ?? input.applicationId ?? deps.config.verification.applicationId,
    phoneNumber: input.phoneNumber,
    status: 'pending',
    method: 'silent_auth',
    network: input.network,
    ownerId: input.ownerId,
    ...(returnUrl && { returnUrl }),
    ...(input.lang && { lang: input.lang }),
    ...(input.knownSince && { knownSince: input.knownSince }),
    ...(input.backend && {
      backend: {
        workflow: input.backend.workflow,
        ...(input.backend.clientRef && { clientRef: input.backend.clientRef }),
        ...(input.clientIp && { clientIp: input.clientIp }),
      },
    }),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.config.verification.ttlSeconds * 1000).toISOString(),
    events: [event('created', { network: input.network }, now)],
  };
}

/** The new record, its authorization state and the caller's session: one write. */
async function save(deps: StartDeps, input: StartInput, started: Verification, authorization?: AuthorizationState): Promise<Verification> {
  const session = input.session?.({ verificationId: started.id, silent: awaitsOperator(started) });
  await saveNewVerification(deps, started, { authorization, session });
  return started;
}

/** Without a silent leg, `sms: 'send'` sends the code now; a refusal is on the verification, which is the answer. */
async function afterSilentLeg(deps: StartDeps, input: StartInput, verification: Verification): Promise<Started> {
  if (input.sms !== 'send') return { verification };
  try {
    return { verification: await sendCode(deps, verification.id, { clientIp: input.clientIp }) };
  } catch (err) {
    if (!(err instanceof BrokerError)) throw err;
    return { verification: (await loadVerification(deps, verification.id)) ?? verification };
  }
}
