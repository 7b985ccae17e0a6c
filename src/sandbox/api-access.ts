// Who may call the sandbox's APIs, and for which subscriber.
import type { Request } from 'express';

import { readAccessToken, type AccessTokenGrant } from './access-token.js';
import { PermissionDenied, Unauthenticated, UserNotAuthenticatedByMobileNetwork } from './errors.js';
import { NETWORK_AUTHENTICATION_AMR } from './resource-server.js';
import type { SigningKeys } from './signing-keys.js';

export interface ApiAccessDependencies {
  keys: SigningKeys;
  issuer: string;
}

/**
 * Authorizes a call to any of the sandbox's APIs and returns what its access token grants.
 *
 * Rules, checked in this order:
 * - a Bearer access token issued by this sandbox for its APIs, unexpired → else 401 UNAUTHENTICATED;
 * - one of `allowedScopes` in its scope → else 403 PERMISSION_DENIED.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export async function authorizeScopedCall(
  { keys, issuer }: ApiAccessDependencies,
  req: Request,
  allowedScopes: readonly string[],
): Promise<AccessTokenGrant> {
  const token = bearerToken(req.get('authorization'));
  const grant = token === undefined ? undefined : await readAccessToken(keys, issuer, token);
  if (!grant) throw new Unauthenticated();
  if (!allowedScopes.some((scope) => grant.scopes.has(scope))) throw new PermissionDenied();
  return grant;
}

/**
 * Authorizes a Number Verification API call and returns the subscriber it is about.
 *
 * Rules, checked in this order:
 * - those of {@link authorizeScopedCall};
 * - the token names a subscriber (3-legged): the API answers about the device that authenticated → else 403 PERMISSION_DENIED;
 * - its `amr` says the subscriber was authenticated by the mobile network (not SMS OTP, not a password)
 *   → else 403 NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK.
 *
 * @see https://github.com/camaraproject/NumberVerification (PhoneNumberVerificationPermissionDenied403)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export async function authorizeApiCall(
  { keys, issuer }: ApiAccessDependencies,
  req: Request,
  allowedScopes: readonly string[],
): Promise<AccessTokenGrant & { phoneNumber: string }> {
  const grant = await authorizeScopedCall({ keys, issuer }, req, allowedScopes);
  const { phoneNumber } = grant;
  if (phoneNumber === undefined) throw new PermissionDenied();
  if (!grant.amr.includes(NETWORK_AUTHENTICATION_AMR)) throw new UserNotAuthenticatedByMobileNetwork();
  return { ...grant, phoneNumber };
}

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme is case-insensitive), else undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer ([^\s]+)$/i.exec(authorization ?? '')?.[1];
}
