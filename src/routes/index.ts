import express, { Router } from 'express';
import type { BrokerDeps } from '../deps.js';
import { adminAuth } from '../http/admin-auth.js';
import { requireJson } from '../http/require-json.js';
import { callback } from './callback.js';
import { checkCodeRoute } from './check-code.js';
import { fallback } from './request-fallback.js';
import { resendCode } from './resend-code.js';
import { sandboxInbox } from './sandbox-inbox.js';
import { getVerification } from './get-verification.js';
import { healthz } from './healthz.js';
import { jwks } from './jwks.js';
import { listDeliveries } from './list-deliveries.js';
import { metricsEndpoint } from './metrics.js';
import { openapi } from './openapi.js';
import { readyz } from './readyz.js';
import { replayDelivery } from './replay-delivery.js';
import { sandboxDeliveries } from './sandbox-deliveries.js';
import { sandboxInfo } from './sandbox-info.js';
import { sandboxVerifications } from './sandbox-verifications.js';
import { createVerification, login } from './start-verification.js';

/**
 * The route table: every endpoint of the broker, in one place.
 * Route files hold one endpoint each; flows below them know nothing of Express.
 */
export function routes(deps: BrokerDeps): Router {
  const router = Router();
  const json = [requireJson, express.json({ limit: deps.config.bodyLimit, strict: true })];

  router.get('/.well-known/jwks.json', jwks(deps));

  // operations: probes, Prometheus metrics (METRICS=on), this API's OpenAPI description
  router.get('/healthz', healthz());
  router.get('/readyz', readyz(deps));
  if (deps.config.metrics.enabled) router.get('/metrics', metricsEndpoint(deps));
  router.get('/openapi.json', openapi(deps));

  // the native API
  router.get('/login', login(deps));
  router.get('/callback', callback(deps));
  router.post('/v1/verifications', ...json, createVerification(deps));
  router.get('/v1/verifications/:id', getVerification(deps));
  router.post('/v1/verifications/:id/fallback', ...json, fallback(deps));
  router.post('/v1/verifications/:id/code', ...json, checkCodeRoute(deps));
  router.post('/v1/verifications/:id/resend', ...json, resendCode(deps));

  // admin: webhook deliveries, behind the admin API key
  const admin = adminAuth(deps);
  router.get('/v1/webhooks/deliveries', admin, listDeliveries(deps));
  router.post('/v1/webhooks/deliveries/:id/replay', admin, replayDelivery(deps));

  // sandbox only (development and tests): the SMS inbox, and what the sample pages and the developer page
  // show; absent (404) in production
  if (deps.config.sandbox.enabled) {
    router.get('/sandbox/inbox', sandboxInbox(deps));
    router.get('/sandbox/info', sandboxInfo(deps));
    router.get('/sandbox/verifications', sandboxVerifications(deps));
    router.get('/sandbox/deliveries', sandboxDeliveries(deps));
  }

  return router;
}
