import { randomToken } from '../random.js';
import type { Application } from '../applications/application.js';
import type { OperatorConfig } from '../config/index.js';
import { parseReturnUrlPrefix, type ReturnUrlPrefix } from '../config/return-url-prefixes.js';
import type { BrokerDeps } from '../deps.js';
import { allowsSms, awaitsOperator, startedAwaitingCredential, startedOnSms, startedSilent } from '../domain/lifecycle.js';
import { event, type AuthorizationState, type Channel, type NetworkHint, type Verification } from '../domain/verification.js';
import { BrokerError, ServiceNotApplicable } from '../errors.js';
import { OperatorFailure } from '../operator/failure.js';
import { servesRedirectFlow, takesOperatorToken, tokenAcquisitionOf } from '../operator/operator-token.js';
import { servesDigitalCredential } from '../operator/credential-request.js';
import { requestCarrierCredential, type DigitalCredentialRequest } from './credential-request.js';
import type { SessionBinding } from '../store/store.js';
import { newCheckUrl } from './check-url.js';
import { sendCode } from './otp/send-code.js';
import { checkReturnUrl } from './return-url.js';
import { verifyOperatorToken } from './verify-operator-token.js';
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
  /**
   * issue 18: the digital-credential leg first (the workflow's first channel): the origins (web, or Android
   * `android:apk-key-hash:…`) whose presentations are accepted, i.e. the key-binding JWT's `aud` = `origin:<origin>`
   */
  digitalCredential?: { origins: readonly string[] };
}

export interface BackendStartInput {
  application: Application;
  /** the channels in order, without repeats (routes/start-verification.ts checks the shape) */
  workflow: Channel[];
  /** how long the silent leg may take before the next channel is due */
  silentTimeoutSeconds: number;
  clientRef?: string;
  /**
   * An operator token (TS.43) the app obtained, opaque here: at an operator that takes one (CIBA or JWT-bearer)
   * it proves the number within the start (flows/verify-operator-token.ts); elsewhere it is not used.
   */
  operatorToken?: string;
  /** the request's x-correlator, passed on to the operator's Number Verification call */
  correlator?: string;
}

export interface Started {
  verification: Verification;
  /** where the device must go next, on cellular data; absent when the verification went to the SMS leg */
  authUrl?: string;
  /** for a backend's start: the broker URL its app opens instead of authUrl (flows/check-url.ts) */
  checkUrl?: string;
  /** issue 18: the OpenID4VP request the page or app passes to the Digital Credentials API / Credential Manager */
  digitalCredentialRequest?: DigitalCredentialRequest;
}

export type StartDeps = Pick<BrokerDeps, 'config' | 'store' | 'metrics' | 'operators' | 'logger' | 'now' | 'sms' | 'startLimits'>;

/**
 * Starts a verification, in one write, in the status it starts in.
 *
 * Rules:
 * - the returnUrl is checked, then the start limits (per client network and per number) are taken;
 * - on cellular (or unknown) network, with an operator for the number, operator/ prepares its authorization
 *   request and hands back an opaque state kept for the callback: `silent_auth_in_progress` with `authUrl`.
 *   The operator is the first candidate whose discovery loads: Telco Finder's answer, then the prefix match;
 * - on WiFi, for a caller that cannot follow redirects (`channel: sms`), with no operator, or when the
 *   operator's discovery fails: `fallback_required`, and the code goes out now only when `sms: 'send'`. A send
 *   the limits or the providers refuse is recorded on the verification, which stays fallback_required.
 * - a backend's start (an application key) follows its workflow: `sms` first goes straight to the SMS leg; a
 *   workflow without `sms` whose silent leg is not possible is refused (422 SERVICE_NOT_APPLICABLE) before
 *   anything is written; the silent leg lasts its `timeoutSeconds` (the authorization state dies with it), and
 *   the app gets a `checkUrl` of the broker's instead of the operator's URL. Its returnUrl must match the
 *   application's own prefixes (RETURN_URL_PREFIXES when it has none), and its starts count against the
 *   application's `startsPerMinute` on top of the per-network (the end user's `clientIp`) and per-number limits.
 * - an operator that serves Number Verification without the redirect (tokenAcquisition `ciba`/`jwt_bearer`) is
 *   used only with the backend's `operatorToken`, on any network: the start writes the silent leg, finishes it
 *   within the request (verified, or fallback_required with the reason) and answers that. Without a token such
 *   an operator takes the redirect flow only when it also serves it (`redirectFlow`), else the number goes to
 *   SMS (reason `operator_token_required`); a token for an operator in authorization_code mode is not used.
 * - digital_credential first (issue 18), on any network: the first candidate operator with a `digitalCredential`
 *   setting is asked for its request parameters, and the verification is written `awaiting_credential` with the
 *   OpenID4VP request in the answer; with no such operator (reason `no_operator`) or when it fails (its reason), the
 *   next channel at once: SMS (sent now with `sms: 'send'`), or 422 when the workflow has no sms.
 */
export async function startVerification(deps: StartDeps, input: StartInput): Promise<Started> {
  // input is checked before it costs the caller a start
  const returnUrl = input.brokerReturnUrl ?? checkReturnUrl({ config: { returnUrlPrefixes: returnUrlPrefixesOf(deps, input) } }, input.returnUrl);
  const { backend } = input;
  await deps.startLimits.check({ clientIp: input.clientIp, phoneNumber: input.phoneNumber, application: backend?.application });
  const now = deps.now();
  if (input.digitalCredential) return startCredentialLeg(deps, input, newVerification(deps, input, returnUrl, now), now, originEvents(input, now));
  const smsFirst = input.channel === 'sms' || backend?.workflow[0] === 'sms';
  // Telco Finder's answer first (number portability), then the prefix match (operator-client.ts resolve); an
  // operator token proves the SIM whatever the network (TS.43): with one, a start on WiFi is routed too
  const routable = !smsFirst && (input.network !== 'wifi' || Boolean(backend?.operatorToken));
  const candidates = routable ? await deps.operators.resolve(input.phoneNumber) : [];
  const record = newVerification(deps, input, returnUrl, now);
  const origin = originEvents(input, now);
  const tokenOperator = backend?.operatorToken ? candidates.find(takesOperatorToken) : undefined;
  if (tokenOperator) return startWithOperatorToken(deps, input, record, tokenOperator, now, origin);
  // a redirect needs the device on mobile data; CIBA and JWT-bearer prove nothing with the number alone: never a `tel:` hint to them
  const redirectCandidates = input.network === 'wifi' ? [] : candidates.filter(servesRedirectFlow);
  const tokenOnly = input.network === 'wifi' ? undefined : candidates.find((op) => !servesRedirectFlow(op));
  const noSilentLeg = () => {
    if (!allowsSms(record)) throw new ServiceNotApplicable('No silent check is possible for this number now, and the workflow has no sms channel.');
  };

  if (!redirectCandidates.length && tokenOnly) {
    noSilentLeg();
    return afterSilentLeg(deps, input, await save(deps, input, startedOnSms({ ...record, operatorId: tokenOnly.id }, 'operator_token_required', {}, now, origin)));
  }
  if (!redirectCandidates.length) {
    noSilentLeg();
    // sms_channel: the caller cannot follow an operator redirect (a facade's app or server), whatever its network
    const reason = input.channel === 'sms' ? 'sms_channel' : input.network === 'wifi' ? 'network_wifi' : 'no_operator';
    return afterSilentLeg(deps, input, await save(deps, input, startedOnSms(record, reason, {}, now, origin)));
  }
  const first = await beginAtFirstAvailable(deps, redirectCandidates, input.phoneNumber, record.id);
  const { operator } = first;
  if (!('begun' in first)) {
    const { failure } = first;
    noSilentLeg();
    return afterSilentLeg(deps, input, await save(deps, input, startedOnSms({ ...record, operatorId: operator.id }, failure.reason, failure.detail, now, origin)));
  }
  const { begun } = first;
  if (backend) return startBackendSilentLeg(deps, input, record, operator.id, begun, now, origin);
  // the operator's authorization state, opaque here, kept for the callback until the verification expires
  const authorization: AuthorizationState = { ...begun.authState, verificationId: record.id, expiresAt: record.expiresAt };
  const inProgress = await save(deps, input, startedSilent(record, operator.id, now, origin), authorization);
  return { verification: inProgress, authUrl: begun.url };
}

function originEvents(input: StartInput, now: Date): Verification['events'] {
  return input.origin ? [event('compat_request', input.origin, now)] : [];
}

/** The digital-credential leg first (issue 18): the request for the carrier's credential, or the next channel at once. */
async function startCredentialLeg(deps: StartDeps, input: StartInput, record: Verification, now: Date, origin: Verification['events']): Promise<Started> {
  const operator = (await deps.operators.resolve(input.phoneNumber)).find(servesDigitalCredential);
  const nextChannel = async (started: Verification) => {
    if (!allowsSms(record)) throw new ServiceNotApplicable('No operator can take a digital credential for this number now, and the workflow has no sms channel.');
    return afterSilentLeg(deps, input, await save(deps, input, started));
  };
  if (!operator) return nextChannel(startedOnSms(record, 'no_operator', { channel: 'digital_credential' }, now, origin));
  try {
    const asked = await requestCarrierCredential(deps, operator, record, input.digitalCredential!.origins);
    const verification = await save(deps, input, startedAwaitingCredential(record, operator.id, asked.credential, now, origin));
    return { verification, digitalCredentialRequest: asked.request };
  } catch (err) {
    if (!(err instanceof OperatorFailure)) throw err;
    deps.logger.warn({ verificationId: record.id, operator: operator.id, reason: err.reason, err: err.message }, 'digital credential request parameters failed');
    return nextChannel(startedOnSms({ ...record, operatorId: operator.id }, err.reason, { channel: 'digital_credential', ...err.detail }, now, origin));
  }
}

/** The first candidate whose authorization request can be built (its discovery loads), else the last one's failure. */
async function beginAtFirstAvailable(deps: StartDeps, candidates: OperatorConfig[], phoneNumber: string, verificationId: string) {
  let failed: { operator: OperatorConfig; failure: OperatorFailure } | undefined;
  for (const operator of candidates) {
    try {
      return { operator, begun: await deps.operators.beginAuthorization(operator, phoneNumber) };
    } catch (err) {
      if (!(err instanceof OperatorFailure)) throw err;
      deps.logger.warn({ verificationId, operator: operator.id, reason: err.reason, err: err.message }, 'operator discovery failed');
      failed = { operator, failure: err };
    }
  }
  return failed!;
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

/**
 * A backend's start with an operator token at an operator that takes one: the silent leg is written (bounded by the
 * workflow's timeout, like any backend's), then finished within the request. No checkUrl: no device is sent anywhere.
 */
async function startWithOperatorToken(deps: StartDeps, input: StartInput, record: Verification, operator: OperatorConfig, now: Date, origin: Verification['events']): Promise<Started> {
  const backend = input.backend!;
  const silentDeadline = new Date(Math.min(now.getTime() + backend.silentTimeoutSeconds * 1000, Date.parse(record.expiresAt))).toISOString();
  const withDeadline: Verification = { ...record, backend: { ...record.backend!, silentDeadline } };
  const presented = [...origin, event('operator_token', { grant: tokenAcquisitionOf(operator) }, now)];
  const inProgress = await save(deps, input, startedSilent(withDeadline, operator.id, now, presented));
  const proof = { operatorToken: backend.operatorToken!, correlator: backend.correlator ?? record.id };
  return { verification: await verifyOperatorToken(deps, inProgress, operator, proof) };
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
