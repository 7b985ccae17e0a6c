import { randomToken } from '../random.js';
import type { BrokerDeps } from '../deps.js';
import { awaitsOperator, startedOnSms, startedSilent } from '../domain/lifecycle.js';
import { event, type AuthorizationState, type NetworkHint, type Verification } from '../domain/verification.js';
import { BrokerError } from '../errors.js';
import { OperatorFailure } from '../operator/failure.js';
import type { SessionBinding } from '../store/store.js';
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
}

export interface Started {
  verification: Verification;
  /** where the device must go next, on cellular data; absent when the verification went to the SMS leg */
  authUrl?: string;
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
 */
export async function startVerification(deps: StartDeps, input: StartInput): Promise<Started> {
  // input is checked before it costs the caller a start
  const returnUrl = input.brokerReturnUrl ?? checkReturnUrl(deps, input.returnUrl);
  await deps.startLimits.check({ clientIp: input.clientIp, phoneNumber: input.phoneNumber });
  const now = deps.now();
  const operator = input.network === 'wifi' || input.channel === 'sms' ? undefined : deps.operators.route(input.phoneNumber);
  const record = newVerification(deps, input, returnUrl, now);
  const origin = input.origin ? [event('compat_request', input.origin, now)] : [];

  if (!operator) {
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
    return afterSilentLeg(deps, input, await save(deps, input, startedOnSms({ ...record, operatorId: operator.id }, err.reason, err.detail, now, origin)));
  }
  // the operator's authorization state, opaque here, kept for the callback until the verification expires
  const authorization: AuthorizationState = { ...begun.authState, verificationId: record.id, expiresAt: record.expiresAt };
  const inProgress = await save(deps, input, startedSilent(record, operator.id, now, origin), authorization);
  return { verification: inProgress, authUrl: begun.url };
}

function newVerification(deps: StartDeps, input: StartInput, returnUrl: string | undefined, now: Date): Verification {
  return {
    id: `vrf_${randomToken(16)}`,
    applicationId: input.applicationId ?? deps.config.verification.applicationId,
    phoneNumber: input.phoneNumber,
    status: 'pending',
    method: 'silent_auth',
    network: input.network,
    ownerId: input.ownerId,
    ...(returnUrl && { returnUrl }),
    ...(input.lang && { lang: input.lang }),
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
    return { verification: await sendCode(deps, verification.id, { clientIp: input.clientIp ?? 'unknown' }) };
  } catch (err) {
    if (!(err instanceof BrokerError)) throw err;
    return { verification: (await loadVerification(deps, verification.id)) ?? verification };
  }
}
