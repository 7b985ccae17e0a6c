import type { RequestHandler } from 'express';

/**
 * Removes `none` from the `prompt` parameter of a GET authorization request before oidc-provider reads it.
 *
 * Rules:
 * - CAMARA operators imply `prompt=none`: there is never user interaction, with or without the parameter;
 * - but the sandbox identifies the device on every request through an (automatic, UI-less) interaction,
 *   and oidc-provider answers `prompt=none` with `login_required` whenever an interaction is needed;
 * - so `none` is dropped, and the parameter with it when nothing else is left. Requests still never show
 *   a screen: the interaction finishes by itself.
 *
 * @see https://github.com/camaraproject/NumberVerification ("The API Provider implies the request parameter prompt=none")
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
export const stripPromptNone: RequestHandler = (req, _res, next) => {
  const url = new URL(req.url, 'http://sandbox.invalid');
  const prompt = url.searchParams.get('prompt');
  if (prompt !== null) {
    const remaining = prompt.split(' ').filter((value) => value !== 'none' && value !== '');
    if (remaining.length > 0) url.searchParams.set('prompt', remaining.join(' '));
    else url.searchParams.delete('prompt');
    req.url = `${url.pathname}${url.search}`;
  }
  next();
};
