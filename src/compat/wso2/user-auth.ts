import type { Request, RequestHandler } from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { BrokerDeps } from '../../deps.js';
import { apiKeyAuth } from '../../http/api-key-auth.js';
import { IdentityError } from './errors.js';
import { USER_ID } from './users.js';

declare module 'express-serve-static-core' {
  interface Locals {
    /** the WSO2 facade's user: the token's subject (/me) or the user a privileged caller named */
    wso2UserId?: string;
  }
}

/**
 * The user of a /me call: `Authorization: Bearer <JWT>` from the configured identity provider.
 *
 * Rules:
 * - the JWT's signature verifies against COMPAT_WSO2_JWKS_URL (fetched and cached by jose, refetched for
 *   an unknown `kid`), `iss` is COMPAT_WSO2_ISSUER, `aud` is COMPAT_WSO2_AUDIENCE (required at start: a
 *   token the same identity provider issued for another application must not open these endpoints),
 *   `exp`/`nbf` hold; only asymmetric algorithms are accepted (a JWKS publishes public keys);
 * - it is an access token, not an ID token: header `typ` is `at+jwt` (RFC 9068 §2.1, `application/` prefix
 *   allowed), or, from providers that do not type their access tokens, `typ` is absent or `JWT` and a
 *   string `client_id` claim (RFC 9068 §2.2) is present; an ID token carries neither (its client is `aud`
 *   or `azp`), and a JWT of any other declared type (logout+jwt, secevent+jwt…) is refused;
 * - `sub` is the user's id, the {id} of /scim2/Users/{id};
 * - anything else, or no such configuration, is a 401 with WWW-Authenticate; the token is never logged.
 * @see RFC 7519 §7.2 (validating a JWT), RFC 9068 §4 (validating JWT access tokens), RFC 6750 §3
 */
export function meUser(deps: BrokerDeps): RequestHandler {
  const settings = deps.config.compat.wso2.userTokens;
  const keys = settings && createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: deps.config.verification.operatorTimeoutMs });
  return async (req, res, next) => {
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (!settings || !keys) return next(unauthenticated('User tokens are not accepted: the broker has no COMPAT_WSO2_JWKS_URL.'));
    if (!token) return next(unauthenticated('This endpoint needs the user\'s access token (a JWT) as a bearer token.'));
    try {
      const { payload, protectedHeader } = await jwtVerify(token, keys, {
        issuer: settings.issuer,
        audience: settings.audience,
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
      });
      if (!isAccessToken(protectedHeader.typ, payload.client_id)) {
        deps.logger.info({ reason: 'not_an_access_token' }, 'wso2 facade: user token refused');
        return next(unauthenticated('The token is not an access token.'));
      }
      if (typeof payload.sub !== 'string' || !USER_ID.test(payload.sub)) return next(unauthenticated('The access token names no valid user (sub).'));
      res.locals.wso2UserId = payload.sub;
      next();
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'unknown';
      deps.logger.info({ reason: code }, 'wso2 facade: user token refused');
      next(unauthenticated('The access token is not valid.'));
    }
  };
}

/** see meUser's rules: RFC 9068's typ, or an untyped (or plain JWT) token naming its client */
function isAccessToken(typ: string | undefined, clientId: unknown): boolean {
  const type = typ?.toLowerCase().replace(/^application\//, '');
  if (type === 'at+jwt') return true;
  return (type === undefined || type === 'jwt') && typeof clientId === 'string' && clientId !== '';
}

/**
 * Privileged calls (SCIM, validate-code and resend-code naming the user, silent-verify as the backend): the
 * WSO2 backend's own key (COMPAT_WSO2_API_KEY, else generated), which may act for any user. Not the admin
 * key nor another facade's: each integration holds only the key it needs.
 */
export function privileged(deps: BrokerDeps): RequestHandler {
  return apiKeyAuth(deps.secrets.wso2ApiKey, { realm: 'wso2', keyName: 'WSO2 backend API key' });
}

/**
 * The user a privileged validate-code or resend-code is about. WSO2's privileged resend-code names it as
 * `"user": {"username", "realm"}`; its validate-code finds the user from the code alone, which the broker
 * cannot do (it keeps no code, only a hash bound to a verification), so the user must be named there too.
 * Accepted, in this order: `user.username` or `user.id`, then a property `userId`, `user-id`, `username`
 * or `userName`, then the `userId` query parameter. The value is the SCIM user id (the broker's userName
 * is the id); a realm prefix such as `PRIMARY/` is dropped, and `realm` is ignored (one user store).
 */
export function namedUserId(req: Request): string {
  const body = (req.body ?? {}) as { user?: unknown; properties?: unknown };
  const user = typeof body.user === 'object' && body.user !== null ? (body.user as Record<string, unknown>) : {};
  const properties = Array.isArray(body.properties) ? (body.properties as Array<Record<string, unknown>>) : [];
  const fromProperty = properties.find((p) => typeof p === 'object' && p !== null && ['userId', 'user-id', 'username', 'userName'].includes(String(p.key)))?.value;
  const named = [user.username, user.id, fromProperty, req.query.userId].find((v) => typeof v === 'string' && v !== '') as string | undefined;
  if (!named) throw new IdentityError(400, '18003', 'Invalid User', 'Name the user: "user": {"username": "<user id>"} or a "userId" property.');
  const id = named.replace(/^[A-Za-z0-9_.-]+\//, '');
  if (!USER_ID.test(id)) throw new IdentityError(400, '18003', 'Invalid User', 'The user id is not valid.');
  return id;
}

function unauthenticated(description: string): IdentityError {
  return new IdentityError(401, '17002', 'Invalid Credentials', description, { 'WWW-Authenticate': 'Bearer realm="wso2-me"' });
}
