// The sandbox's Telco Finder (GSMA Open Gateway): which operator serves a number. It says the sandbox serves
// every SIM in its table, so a SIM whose number another configured operator's prefix claims plays a number
// ported to the sandbox (docs/operators.md, "An aggregator behind Telco Finder").
import express, { Router } from 'express';
import { jwtVerify } from 'jose';

import { bearerToken } from './api-access.js';
import { handleCamaraErrors, InvalidArgument, NotFound, PermissionDenied, Unauthenticated } from './errors.js';
import { isE164PhoneNumber } from './phone-number.js';
import { apiResource, TELCO_FINDER_SCOPE } from './resource-server.js';
import { SIGNING_ALG, type SigningKeys } from './signing-keys.js';

export const TELCO_FINDER_PATH = '/telco-finder/v1';
export { TELCO_FINDER_SCOPE };
/** the operatorId the sandbox's Telco Finder answers with */
export const SANDBOX_TELCO_FINDER_OPERATOR_ID = 'sandbox';
/** how long a client may cache an answer (Cache-Control max-age) */
const ANSWER_MAX_AGE_SECONDS = 300;

/** The access-token audience of the Telco Finder API: the sandbox's one resource server (resource-server.ts). */
export function telcoFinderResource(issuer: string): string {
  return apiResource(issuer);
}

interface TelcoFinderDependencies {
  issuer: string;
  keys: SigningKeys;
  sims: ReadonlyMap<string, string>;
}

/**
 * `POST /telco-finder/v1/search {"target": {"phoneNumber"}}` → `{operatorId, apiRoot, authProviderConfiguration}`
 * for a number of the SIM table, 404 NOT_FOUND for any other.
 *
 * Rules:
 * - a Bearer access token the sandbox issued by client credentials for this API (`at+jwt`, its issuer, the
 *   Telco Finder audience, unexpired) → else 401; with the `telcofinder` scope → else 403;
 * - the body has `target.phoneNumber` in E.164 → else 400 INVALID_ARGUMENT (other targets, IP addresses, are
 *   not simulated);
 * - answers carry Cache-Control max-age, as a Telco Finder may, so clients cache them.
 *
 * @see GSMA Open Gateway "Routing / Telco Finder" (telco-finder.yaml, POST /search)
 */
export function createTelcoFinderRouter({ issuer, keys, sims }: TelcoFinderDependencies): Router {
  const router = Router();
  const served = new Set(sims.values());
  router.post('/search', express.json({ limit: '4kb' }), async (req, res) => {
    await authorizeTelcoFinderCall(keys, issuer, req.get('authorization'));
    const phoneNumber = (req.body as { target?: { phoneNumber?: unknown } } | undefined)?.target?.phoneNumber;
    if (!isE164PhoneNumber(phoneNumber)) throw new InvalidArgument('target.phoneNumber must be in E.164 format with a leading +');
    if (!served.has(phoneNumber)) throw new NotFound();
    res.set('Cache-Control', `max-age=${ANSWER_MAX_AGE_SECONDS}`).json({
      operatorId: SANDBOX_TELCO_FINDER_OPERATOR_ID,
      apiRoot: issuer,
      authProviderConfiguration: `${issuer}/.well-known/openid-configuration`,
    });
  });
  router.use((_req, _res, next) => next(new NotFound()));
  router.use(handleCamaraErrors);
  return router;
}

async function authorizeTelcoFinderCall(keys: SigningKeys, issuer: string, authorization: string | undefined): Promise<void> {
  const token = bearerToken(authorization);
  if (!token) throw new Unauthenticated();
  let scope: unknown;
  try {
    ({ payload: { scope } } = await jwtVerify(token, keys.publicKey, {
      issuer,
      audience: telcoFinderResource(issuer),
      typ: 'at+jwt',
      algorithms: [SIGNING_ALG],
      requiredClaims: ['exp'],
    }));
  } catch {
    throw new Unauthenticated();
  }
  if (typeof scope !== 'string' || !scope.split(' ').includes(TELCO_FINDER_SCOPE)) throw new PermissionDenied();
}
