import type { BrokerDeps } from '../deps.js';
import { credentialPresented, credentialRefusal, fallbackRequired, onCredentialLeg, refusedForRisk, verified, withRisk } from '../domain/lifecycle.js';
import { event, type Verification } from '../domain/verification.js';
import { Conflict, InvalidArgument, VerificationExpired } from '../errors.js';
import { checkBinding, parsePresentation, type Presentation } from '../credentials/presentation.js';
import { OperatorFailure } from '../operator/failure.js';
import { maskPhoneNumber } from '../phone.js';
import { issueSessionToken } from '../tokens/session-token.js';
import { nonceMatches } from './credential-request.js';
import { storedApplication } from '../applications/registry.js';
import { assessRisk } from './risk/assess-risk.js';
import { applyOrReadLatest, applyTransition, loadOwnedVerification } from './verifications.js';

export type PresentDeps = Pick<BrokerDeps, 'config' | 'store' | 'metrics' | 'operators' | 'logger' | 'now' | 'sms' | 'keys'>;

/** how old a key-binding JWT may be: the user consents within seconds, and a presentation is posted at once */
const KB_MAX_AGE_SECONDS = 300;
/** how far ahead of the broker's clock a device's may be */
const KB_SKEW_SECONDS = 60;

/** `vp_token` as the Digital Credentials API returns it: DCQL credential id → presentations (OpenID4VP 1.0 §8.1) */
export type VpToken = Record<string, string | string[]>;

/**
 * POST /v1/verifications/{id}/credential {vp_token}: the presentation of the carrier's TS.43 credential (issue 18).
 *
 * Rules:
 * - only the starter (its session, or the application) may present; another caller learns nothing (403/404);
 * - a verification that awaits no presentation → 409 CONFLICT (already presented: a replay, even of the right
 *   presentation; moved on to SMS; finished), past its expiry → 410; nothing changes;
 * - nothing changes for input that is not a presentation: `vp_token` without an entry for the requested DCQL
 *   credential id, more than one presentation, or one without the SD-JWT structure → 400 INVALID_ARGUMENT;
 * - the first presentation consumes the nonce, right or wrong, atomically (lifecycle.ts credentialPresented): a
 *   replay or a concurrent second presentation is 409 and changes nothing;
 * - the broker checks the binding (credentials/presentation.ts: nonce, aud `origin:<origin>`, iat within
 *   KB_MAX_AGE_SECONDS, sd_hash, the KB-JWT's signature by the issuer JWT's cnf key, vct); any failure →
 *   fallback_required `credential_invalid` (the failed check in the event's detail), answered 200 with that status;
 * - it never decrypts the TS.43 token: the aggregator gets the whole presentation in the JWT-bearer grant
 *   (`sub=vp_token:<SD-JWT>`), and its refusal is `credential_refused`; with the access token, Number Verification
 *   is asked exactly as on the silent path: a match → verified (method digital_credential, session token amr
 *   ["ts43"], verification.succeeded), else `number_mismatch`; operator failures keep their reasons;
 * - after a match the fraud-signal policies apply as on the silent path (risk/assess-risk.ts): a swapped SIM that
 *   the policy blocks fails the verification (SIM_SWAPPED); flagged signals ride on the token and the webhook;
 * - the outcome applies only while the leg is still open (the starter may have moved on meanwhile: /next, DELETE).
 * The presentation is never stored nor logged.
 */
export async function presentCredential(deps: PresentDeps, id: string, ownerId: string | undefined, vpToken: VpToken): Promise<{ verification: Verification; sessionToken?: string }> {
  const current = await loadOwnedVerification(deps, id, ownerId);
  refuseUnlessAwaited(current, deps.now());
  const presentation = presentationIn(current.credential!.credentialId, vpToken);
  if (!(await applyTransition(deps, id, credentialPresented(deps.now())))) {
    refuseUnlessAwaited(await loadOwnedVerification(deps, id, ownerId), deps.now());
    throw new Conflict('The credential for this verification was already presented.');
  }
  const verification = await checkAndExchange(deps, current, presentation);
  return { verification, sessionToken: await issueSessionToken(deps, verification) };
}

/** The one presentation for the credential the request named, with the SD-JWT structure; else 400, nothing changed. */
function presentationIn(credentialId: string, vpToken: VpToken): Presentation {
  const entry = Object.hasOwn(vpToken, credentialId) ? vpToken[credentialId] : undefined;
  // OpenID4VP 1.0 answers an array; some wallets answer the string alone (digitalcredentialsdev/CMWallet)
  const presented = Array.isArray(entry) ? (entry.length === 1 ? entry[0] : undefined) : entry;
  if (presented === undefined) throw new InvalidArgument(`vp_token must hold one presentation for the credential "${credentialId}".`);
  const parsed = parsePresentation(presented);
  if (!parsed) throw new InvalidArgument('vp_token: the presentation must be an SD-JWT with key binding (issuer JWT ~ disclosures ~ KB-JWT).');
  return parsed;
}

/** The error for a verification that may not take a presentation now (lifecycle.ts credentialRefusal): 410 or 409. */
export function refuseUnlessAwaited(v: Verification, now: Date): void {
  switch (credentialRefusal(v, now)) {
    case 'expired':
      throw new VerificationExpired();
    case 'not_awaited':
      throw new Conflict(`The verification awaits no credential (it is ${v.status}).`);
    case 'already_presented':
      throw new Conflict('The credential for this verification was already presented.');
  }
}

async function checkAndExchange(deps: PresentDeps, started: Verification, presentation: Presentation): Promise<Verification> {
  const log = deps.logger.child({ verificationId: started.id, operator: started.operatorId });
  const credential = started.credential!;
  const failed = await checkBinding(presentation, {
    vct: credential.vct,
    audiences: credential.audiences,
    nonceMatches: (nonce) => nonceMatches(deps.sms.codeKey, started.id, nonce, credential.nonceHash),
    now: deps.now(),
    maxAgeSeconds: KB_MAX_AGE_SECONDS,
    skewSeconds: KB_SKEW_SECONDS,
  });
  if (failed) {
    log.info({ check: failed }, 'the credential presentation failed a check');
    return applyOrReadLatest(deps, started.id, onCredentialLeg(fallbackRequired(deps.now(), 'credential_invalid', { check: failed })));
  }
  const operator = started.operatorId ? await deps.operators.find(started.operatorId) : undefined;
  if (!operator) return applyOrReadLatest(deps, started.id, onCredentialLeg(fallbackRequired(deps.now(), 'no_operator')));
  try {
    const accessToken = await deps.operators.accessTokenForPresentation(operator, presentation.raw);
    const exchanged = event('token_exchanged', { grant: 'jwt_bearer', subject: 'vp_token' }, deps.now());
    const match = await deps.operators.isNumberOnDevice(operator, accessToken, started.phoneNumber, started.id);
    const done = deps.now();
    const checked = [exchanged, event('number_checked', { match }, done)];
    if (!match) {
      log.info({ phoneNumber: maskPhoneNumber(started.phoneNumber) }, 'the credential presented belongs to another number');
      return await applyOrReadLatest(deps, started.id, onCredentialLeg(fallbackRequired(done, 'number_mismatch', {}, checked)));
    }
    // the fraud signals (issue 17): a swapped SIM presents its credential as well as the right one, so they are
    // asked after a match, as on the silent path (the aggregator's token when it granted sim-swap:check)
    const risk = await assessRisk(deps, started, { channel: 'silent', operator, accessToken }, { correlator: started.id, application: await storedApplication(deps, started.applicationId) });
    const events = [...checked, ...risk.events];
    if (risk.refusal) return await applyOrReadLatest(deps, started.id, onCredentialLeg(refusedForRisk(done, risk.refusal, risk.signals!, events)));
    return await applyOrReadLatest(deps, started.id, onCredentialLeg(withRisk(risk.signals, verified(done, 'digital_credential', events))));
  } catch (err) {
    if (!(err instanceof OperatorFailure)) throw err;
    log.warn({ reason: err.reason, detail: err.detail, err: err.message }, 'the credential exchange did not complete');
    return applyOrReadLatest(deps, started.id, onCredentialLeg(fallbackRequired(deps.now(), err.reason, err.detail)));
  }
}

