// The carrier-issued phone-number credential (TS.43) over the W3C Digital Credentials API: feature detection and
// the one call to the browser, or, in the sandbox, to its test wallet. The broker builds the OpenID4VP request and
// checks the answer (docs/digital-credentials.md).
import { api } from './common.js';

/** The only protocol the broker's request speaks: OpenID4VP over the DC API, unsigned request (OpenID4VP 1.0 Appendix A). */
export const PROTOCOL = 'openid4vp-v1-unsigned';

/**
 * Whether this browser can ask the device for a credential over that protocol: Chrome 141+ and Safari 26+ expose
 * `DigitalCredential` (the spec's feature test); `userAgentAllowsProtocol` then tells whether the protocol is one
 * it speaks (Safari 26 speaks only ISO mdoc). Browsers from before that static method have no way to say: try.
 * @see https://w3c-fedid.github.io/digital-credentials/#dom-digitalcredential-useragentallowsprotocol
 */
export function canAskForSimCredential() {
  if (typeof DigitalCredential === 'undefined' || typeof navigator.credentials?.get !== 'function') return false;
  const allows = DigitalCredential.userAgentAllowsProtocol;
  if (typeof allows !== 'function') return true;
  try {
    return allows.call(DigitalCredential, PROTOCOL) === true;
  } catch {
    return false;
  }
}

/**
 * Hands the broker's request, as it is, to the browser, which asks the device (or a phone nearby) for the SIM's
 * credential. Returns {vpToken}: the OpenID4VP response's `vp_token`, keyed by the request's credential ids, for
 * POST /v1/verifications/{id}/credential; or {declined}: why there is none —
 * - `declined`: the person closed the prompt or the device has no such credential (browsers do not say which, on
 *   purpose: a page must not learn what is in a wallet the person did not share; both are NotAllowedError or null);
 * - `unavailable`: the browser could not make the request at all (no activation, an unsupported request, …).
 * Must run within the click's user activation: the caller awaits only the start of the verification before it.
 */
export async function askForSimCredential(digitalCredentialRequest) {
  let credential;
  try {
    credential = await navigator.credentials.get({ digital: { requests: [digitalCredentialRequest] } });
  } catch (err) {
    return { declined: err?.name === 'NotAllowedError' || err?.name === 'AbortError' ? 'declined' : 'unavailable' };
  }
  const vpToken = vpTokenOf(credential);
  return vpToken ? { vpToken } : { declined: 'declined' };
}

/**
 * The sandbox's demo (development only): where the browser holds no SIM credential, the broker's test wallet
 * (POST /sandbox/wallet) stands in for navigator.credentials.get, for a sandbox SIM's number. Same answers as
 * askForSimCredential, plus `no_sandbox_sim` when the sandbox has no SIM with the verification's number.
 */
export async function askSandboxWallet(verificationId, digitalCredentialRequest) {
  try {
    const { vp_token: vpToken } = await api('/sandbox/wallet', { method: 'POST', body: { verificationId, digitalCredentialRequest } });
    return vpToken && typeof vpToken === 'object' ? { vpToken } : { declined: 'unavailable' };
  } catch (err) {
    return { declined: err.status === 404 ? 'no_sandbox_sim' : 'unavailable' };
  }
}

/** `data` is the OpenID4VP response object ({vp_token}); early implementations handed it over as a JSON string. */
function vpTokenOf(credential) {
  let data = credential?.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return null;
    }
  }
  const vpToken = data?.vp_token;
  return vpToken && typeof vpToken === 'object' && !Array.isArray(vpToken) ? vpToken : null;
}

/** Why the SMS path follows, in one line, for the code page (otp.html?credential=…); anything else shows nothing. */
export const CREDENTIAL_OUTCOMES = {
  declined: 'No SIM credential was shared: the prompt was closed, or this device has none.',
  unavailable: 'This browser could not ask your phone for its SIM credential.',
  refused: 'The SIM credential could not confirm this number.',
  no_sandbox_sim: 'The sandbox has no SIM with this number, so its test wallet has no credential for it.',
};
