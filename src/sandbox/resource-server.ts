// What the sandbox's resource server is: where its APIs live, which scopes it knows, which authentication
// each requires. The authorization server and the APIs both read these, so they cannot drift.

/** CAMARA Number Verification v2 scopes. @see https://github.com/camaraproject/NumberVerification */
export const VERIFY_SCOPE = 'number-verification:verify';
export const DEVICE_PHONE_NUMBER_SCOPE = 'number-verification:device-phone-number:read';

/** Vonage's name for the verify permission; the sandbox grants it the same rights as {@link VERIFY_SCOPE}. */
export const VONAGE_VERIFY_SCOPE = 'dpv:FraudPreventionAndDetection#number-verification-verify-read';

/** Every scope the Number Verification API understands. */
export const NUMBER_VERIFICATION_SCOPES = [VERIFY_SCOPE, DEVICE_PHONE_NUMBER_SCOPE, VONAGE_VERIFY_SCOPE] as const;

/** Scopes allowing SIM Swap `/check` and `/retrieve-date`: each its own, or the API-wide `sim-swap`. @see sim-swap.yaml v2.1.0 */
export const SCOPES_ALLOWING_SIM_SWAP_CHECK = ['sim-swap:check', 'sim-swap'] as const;
export const SCOPES_ALLOWING_SIM_SWAP_RETRIEVE_DATE = ['sim-swap:retrieve-date', 'sim-swap'] as const;
/** @see number-recycling.yaml v0.2.0 */
export const SCOPES_ALLOWING_NUMBER_RECYCLING = ['number-recycling:check'] as const;
/** @see one-time-password-sms.yaml v1.1.1 */
export const SCOPES_ALLOWING_OTP_SMS = ['one-time-password-sms:send-validate'] as const;

/**
 * Scopes a 2-legged (client credentials) token may carry: the APIs that take the subject in `phoneNumber`.
 * Number Verification is about the device that authenticated, so it needs a 3-legged token.
 */
/** the client-credentials scope of the Telco Finder API, as in the GSMA routing description's token request */
export const TELCO_FINDER_SCOPE = 'telcofinder';

export const TWO_LEGGED_SCOPES = [
  ...new Set([...SCOPES_ALLOWING_SIM_SWAP_CHECK, ...SCOPES_ALLOWING_SIM_SWAP_RETRIEVE_DATE, ...SCOPES_ALLOWING_NUMBER_RECYCLING, ...SCOPES_ALLOWING_OTP_SMS, TELCO_FINDER_SCOPE]),
];

/** Every scope the resource server understands (what a 3-legged token may carry). */
export const API_SCOPES = [...NUMBER_VERIFICATION_SCOPES, ...TWO_LEGGED_SCOPES];

/** Scopes that each allow calling `/verify`. */
export const SCOPES_ALLOWING_VERIFY = [VERIFY_SCOPE, VONAGE_VERIFY_SCOPE] as const;

/** Scopes that each allow calling `/device-phone-number`. */
export const SCOPES_ALLOWING_DEVICE_PHONE_NUMBER = [DEVICE_PHONE_NUMBER_SCOPE] as const;

/** RFC 8176 "amr" value the sandbox records for network-based authentication (the only way it authenticates). */
export const NETWORK_AUTHENTICATION_AMR = 'nba';

/** Base path of the Number Verification API under the sandbox's apiRoot (the issuer URL). */
export const NUMBER_VERIFICATION_PATH = '/number-verification/v2';

/**
 * The resource indicator and access-token audience of the sandbox's APIs: one resource server, the apiRoot
 * (the issuer URL), as behind an operator's API gateway, so one 3-legged token serves Number Verification
 * and SIM Swap from the same authorization. Every access token the sandbox issues is for it.
 * @see https://www.rfc-editor.org/rfc/rfc8707 Resource Indicators for OAuth 2.0
 */
export function apiResource(issuer: string): string {
  return issuer;
}
