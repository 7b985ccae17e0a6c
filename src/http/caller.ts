import type { Request, RequestHandler } from 'express';
import type { Application as BrokerApplication } from '../applications/application.js';
import { applicationOwnerId, authenticateApplication } from '../applications/registry.js';
import type { BrokerDeps } from '../deps.js';
import { TooManyRequests, Unauthenticated } from '../errors.js';
import { RateLimit } from '../otp/rate-limits.js';
import type { Verification } from '../domain/verification.js';
import { verificationView } from '../flows/read-verification.js';
import { bearerTokenOf } from './api-key-auth.js';
import { ownerIdOf } from './session.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** the application whose API key authenticated this request (absent: the browser/app session) */
      application?: BrokerApplication;
    }
  }
}

/**
 * Who calls the verification API: an application's backend with `Authorization: Bearer <app key>`, or the
 * browser/app session of the default application (its cookie).
 *
 * Rules:
 * - a request that sends an Authorization header is an application's: the key must be valid (401
 *   UNAUTHENTICATED with `WWW-Authenticate: Bearer` otherwise); it never falls back to the cookie, so a bad
 *   key cannot act with a session a browser happens to carry;
 * - every request of an application counts against its `limits.requestsPerMinute` (429 with Retry-After),
 *   shared by every instance (the counters are in the store);
 * - without the header, the cookie session is the caller, as before.
 */
const REALM = 'broker-applications';

export function identifyCaller(deps: Pick<BrokerDeps, 'store'>): RequestHandler {
  const limits = new Map<number, RateLimit>();
  const limitFor = (points: number) => {
    let limit = limits.get(points);
    if (!limit) limits.set(points, (limit = new RateLimit(deps.store.keyValue, { name: 'app-requests', points, duration: 60 })));
    return limit;
  };
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (header === undefined) return next();
    try {
      const presented = bearerTokenOf(header);
      if (presented === undefined) throw new Unauthenticated('Send the application API key as `Authorization: Bearer <key>`.', REALM);
      const application = await authenticateApplication(deps, presented);
      const consumed = await limitFor(application.limits.requestsPerMinute).consume(application.id);
      if (!consumed.allowed) throw new TooManyRequests('This application made too many requests; slow down.', consumed.msBeforeNext / 1000);
      req.application = application;
      next();
    } catch (err) {
      next(err);
    }
  };
}

/**
 * The end user's address, for per-network limits: the request's own for a browser or app; for an application's
 * backend none (its own address is not its users'), so the `clientIp` it passed at the start is used instead.
 */
export function endUserIpOf(req: Request): string | undefined {
  return req.application ? undefined : (req.ip ?? 'unknown');
}

/** The verification as this caller may see it: an application's backend gets the number it chose whole. */
export function viewFor(req: Request, deps: Pick<BrokerDeps, 'config'>, verification: Verification) {
  return verificationView(verification, deps.config.otp, { fullNumber: req.application !== undefined });
}

/** Who owns what this request starts or reads: the application, or the session (created when `create`). */
export function callerOwnerId(req: Request, options: { create: boolean } = { create: false }): string | undefined {
  if (req.application) return applicationOwnerId(req.application.id);
  return options.create ? ownerIdOf(req) : req.session.ownerId;
}
