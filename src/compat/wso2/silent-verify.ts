import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../../deps.js';
import { BrokerError } from '../../errors.js';
import { checkReturnUrl } from '../../flows/return-url.js';
import { startVerification } from '../../flows/start-verification.js';
import type { FacadeRoute } from '../errors.js';
import { isCompletionCodeShaped } from '../../otp/completion-code.js';
import { IdentityError, identityErrors } from './errors.js';
import { meUser, privileged } from './user-auth.js';
import { commitUser, loadUser, ownerIdFor, settleUser, USER_ID } from './users.js';

/**
 * GET /compat/wso2/users/{id}/silent-verify[?redirect=true][&returnUrl=…]: beyond WSO2, the number waiting
 * to become primary is proved by the operator instead of an SMS code, when the device is on cellular data.
 *
 * Rules:
 * - the caller is the user (their JWT, `sub` = {id}) or the customer's backend (API key), which then hands
 *   the returned authUrl to the app; the device must open it over its mobile network;
 * - it is the native silent flow: startVerification (network cellular) prepares the operator request, the
 *   operator sends the device to /callback (complete-silent-auth.ts), and /callback sends it on to this
 *   facade's done page with a completion code (the device never carries a session of this verification's
 *   owner, so the proof always takes the code path: relay-proof), which sends the device on to `returnUrl`
 *   (checked against RETURN_URL_PREFIXES by the start flow), or to the sample result page; the user's app
 *   presents the code to validate-code, which settles the user (the number becomes primary,
 *   `phone_number.updated` fires);
 * - if the operator cannot prove the number, /callback falls back to SMS as usual and that code is then the
 *   one validate-code expects; the code sent earlier stays valid until then;
 * - no operator for the number → 409 UAV-10001 (verify with the SMS code instead); nothing waiting → 400 18005.
 */
export function silentVerify(deps: BrokerDeps): FacadeRoute {
  const handler: RequestHandler = async (req, res) => {
    const userId = String(req.params.id);
    const stored = await loadUser(deps, userId);
    const user = stored && (await settleUser(deps, stored));
    if (!user?.pending) throw new IdentityError(400, '18005', 'Recovery data not found', 'No new mobile number of this user is waiting for verification.');

    // the done page is the broker's own (brokerReturnUrl): it needs no RETURN_URL_PREFIXES entry; the caller's
    // returnUrl, where the done page sends the device on, is checked like any other
    const returnUrl = checkFacadeReturnUrl(deps, typeof req.query.returnUrl === 'string' ? req.query.returnUrl : undefined);
    const done = `${deps.config.publicUrl}/compat/wso2/users/${encodeURIComponent(userId)}/silent-verify/done`;
    const { verification, authUrl } = await startVerification(deps, {
      phoneNumber: user.pending.e164,
      network: 'cellular',
      brokerReturnUrl: done,
      origin: { facade: 'wso2', scenario: 'silent_verify' },
      ownerId: ownerIdFor(userId),
      clientIp: req.ip,
    });
    if (!authUrl) throw new IdentityError(409, 'UAV-10001', 'Unsupported verification channel', 'Silent verification is not available for this number; verify it with the SMS code.');
    await commitUser(deps, { ...user, pending: { ...user.pending, silent: { verificationId: verification.id, ...(returnUrl && { returnUrl }) } } });

    res.set('Cache-Control', 'no-store');
    if (req.query.redirect === 'true') return res.redirect(302, authUrl);
    res.status(200).json({ verificationId: verification.id, authUrl });
  };
  return [userOrBackend(deps), handler, identityErrors(deps)];
}

/**
 * GET /compat/wso2/users/{id}/silent-verify/done?verificationId&status[&code]: where /callback sends the device.
 * The silent verification was started without the device's session (by the user's JWT or the backend), so a
 * proof never settles the user here: the device gets the completion code, which the user's app presents
 * through validate-code, like an SMS code. It goes on to `returnUrl` in the query (`code`), or to the sample
 * result page in the fragment.
 */
export function silentVerifyDone(deps: BrokerDeps): FacadeRoute {
  const handler: RequestHandler = async (req, res) => {
    const userId = String(req.params.id);
    const verificationId = typeof req.query.verificationId === 'string' ? req.query.verificationId : '';
    const code = typeof req.query.code === 'string' && isCompletionCodeShaped(req.query.code) ? req.query.code : undefined;
    const stored = await loadUser(deps, userId);
    const silent = stored?.pending?.silent?.verificationId === verificationId ? stored.pending.silent : undefined;
    const verification = silent && (await deps.store.verifications.get(silent.verificationId));
    if (!stored || !silent || !verification) throw new IdentityError(404, '18005', 'Recovery data not found', 'No silent verification of this user has that id.');
    const target = new URL(silent.returnUrl ?? `${deps.config.publicUrl}/result.html`);
    target.searchParams.set('verificationId', verification.id);
    target.searchParams.set('status', verification.status);
    if (code && silent.returnUrl) target.searchParams.set('code', code);
    else if (code) target.hash = new URLSearchParams({ code }).toString();
    res.set('Cache-Control', 'no-store').redirect(302, target.href);
  };
  return [handler, identityErrors(deps)];
}

/** the caller's returnUrl, checked against RETURN_URL_PREFIXES, refused in WSO2's words */
function checkFacadeReturnUrl(deps: BrokerDeps, returnUrl: string | undefined): string | undefined {
  try {
    return checkReturnUrl(deps, returnUrl);
  } catch (err) {
    if (err instanceof BrokerError && err.code === 'INVALID_ARGUMENT') throw new IdentityError(400, '18013', 'Bad Request', err.message);
    throw err;
  }
}

/** the user themselves (JWT with sub = {id}) or the backend (the WSO2 API key) */
function userOrBackend(deps: BrokerDeps): RequestHandler {
  const user = meUser(deps);
  const backend = privileged(deps);
  return (req, res, next) => {
    const id = String(req.params.id);
    if (!USER_ID.test(id)) return next(new IdentityError(400, '18003', 'Invalid User', 'The user id is not valid.'));
    backend(req, res, (notBackend?: unknown) => {
      if (!notBackend) return next();
      user(req, res, (err?: unknown) => {
        if (err) return next(err);
        if (res.locals.wso2UserId !== id) return next(new IdentityError(403, '17002', 'Invalid Credentials', 'The access token is for another user.'));
        next();
      });
    });
  };
}
