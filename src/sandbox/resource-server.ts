// What the Number Verification resource server is: where it lives, which scopes it knows, which
// authentication it requires. The authorization server and the API both read these, so they cannot drift.

/** CAMARA Number Verification v2 scopes. @see https://github.com/camaraproject/NumberVerification */
export const VERIFY_SCOPE = 'number-verification:verify';
export const DEVICE_PHONE_NUMBER_SCOPE = 'number-verification:device-phone-number:read';

/** Vonage's name for the verify permission; the sandbox grants it the same rights as {@link VERIFY_SCOPE}. */
export const VONAGE_VERIFY_SCOPE = 'dpv:FraudPreventionAndDetection#number-verification-verify-read';

/** Every scope the Number Verification API (the resource server) understands. */
export const NUMBER_VERIFICATION_SCOPES = [VERIFY_SCOPE, DEVICE_PHONE_NUMBER_SCOPE, VONAGE_VERIFY_SCOPE] as const;

/** Scopes that each allow calling `/verify`. */
export const SCOPES_ALLOWING_VERIFY = [VERIFY_SCOPE, VONAGE_VERIFY_SCOPE] as const;

/** Scopes that each allow calling `/device-phone-number`. */
export const SCOPES_ALLOWING_DEVICE_PHONE_NUMBER = [DEVICE_PHONE_NUMBER_SCOPE] as const;

/** RFC 8176 "amr" value the sandbox records for network-based authentication (the only way it authenticates). */
export const NETWORK_AUTHENTICATION_AMR = 'nba';

/** Base path of the Number Verification API under the sandbox's apiRoot (the issuer URL). */
export const NUMBER_VERIFICATION_PATH = '/number-verification/v2';

/**
 * The resource indicator and access-token audience of the Number Verification API.
 * Every access token the sandbox issues is for this one resource server.
 * @see https://www.rfc-editor.org/rfc/rfc8707 Resource Indicators for OAuth 2.0
 */
export function numberVerificationResource(issuer: string): string {
  return `${issuer}${NUMBER_VERIFICATION_PATH}`;
}
