import type { RequestHandler } from 'express';

/**
 * Hides oidc-provider's login-session cookie from the authorization endpoint (`/auth` and its resume
 * step `/auth/:uid`), so that every authorization request starts without a logged-in session.
 *
 * Rules:
 * - every authorization identifies the device afresh: a login from an earlier request proves nothing
 *   now, because the SIM, or the network the device is on, may have changed;
 * - so oidc-provider never sees an earlier session there, always asks for login, and our interaction
 *   identifies the device again. (Forcing a login prompt while keeping the session is not enough: when
 *   the device now has another SIM, oidc-provider would first ask the browser to confirm a logout.)
 * - the browser's cookie is left alone; the new login simply replaces it.
 *
 * @see https://github.com/camaraproject/NumberVerification (network-based authentication)
 */
export function forgetEarlierLogin(sessionCookieName: string): RequestHandler {
  const isSessionCookie = (name: string) => name === sessionCookieName || name.startsWith(`${sessionCookieName}.`);
  return (req, _res, next) => {
    const cookies = req.headers.cookie?.split(';').filter((pair) => !isSessionCookie(pair.split('=')[0].trim()));
    if (cookies?.length) req.headers.cookie = cookies.join(';');
    else delete req.headers.cookie;
    next();
  };
}
