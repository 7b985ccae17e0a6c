import express, { Router } from 'express';
import { APPLICATION_ID } from '../applications/application.js';
import type { BrokerDeps } from '../deps.js';
import { adminAuth } from '../http/admin-auth.js';
import { DELIVERY_ID, requirePathId, VERIFICATION_ID } from '../http/path-ids.js';
import { requireJson } from '../http/require-json.js';
import * as compat from '../compat/index.js';
import { identifyCaller } from '../http/caller.js';
import * as applications from './applications/index.js';
import { callback } from './callback.js';
import { cancelVerification } from './cancel-verification.js';
import { coverage } from './coverage.js';
import { nextChannel } from './next-channel.js';
import { openCheckUrl } from './open-check-url.js';
import { checkCodeRoute } from './check-code.js';
import { presentCredentialRoute } from './present-credential.js';
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
import { sandboxReplayDelivery } from './sandbox-replay-delivery.js';
import { sandboxVerifications } from './sandbox-verifications.js';
import { sandboxWallet } from './sandbox-wallet.js';
import { listSandboxWebhooks, receiveSandboxWebhook, SANDBOX_WEBHOOKS_PATH } from './sandbox-webhooks.js';
import { createWebhookInbox } from '../sandbox/webhook-inbox.js';
import { webhookSecretOf } from '../webhooks/targets.js';
import { createVerification, login } from './start-verification.js';

/**
 * The route table: every endpoint of the broker, in one place.
 * Route files hold one endpoint each; flows below them know nothing of Express.
 */
export function routes(deps: BrokerDeps): Router {
  const router = Router();
  const json = [requireJson, express.json({ limit: deps.config.bodyLimit, strict: true })];
  const verificationId = requirePathId(VERIFICATION_ID, 'verification');

  router.get('/.well-known/jwks.json', jwks(deps));

  // operations: probes, Prometheus metrics (METRICS=on), this API's OpenAPI description
  router.get('/healthz', healthz());
  router.get('/readyz', readyz(deps));
  if (deps.config.metrics.enabled) router.get('/metrics', metricsEndpoint(deps));
  router.get('/openapi.json', openapi(deps));

  // the native API: the browser or app session (its cookie), or an application's backend (its API key)
  const caller = identifyCaller(deps);
  router.get('/login', login(deps));
  router.get('/callback', callback(deps));
  router.post('/v1/verifications', caller, ...json, createVerification(deps));
  router.get('/v1/verifications/:id', caller, verificationId, getVerification(deps));
  router.delete('/v1/verifications/:id', caller, verificationId, cancelVerification(deps));
  router.post('/v1/verifications/:id/fallback', caller, ...json, verificationId, fallback(deps));
  router.post('/v1/verifications/:id/next', caller, ...json, verificationId, nextChannel(deps));
  router.post('/v1/verifications/:id/code', caller, ...json, verificationId, checkCodeRoute(deps));
  router.post('/v1/verifications/:id/credential', caller, ...json, verificationId, presentCredentialRoute(deps)); // issue 18
  router.post('/v1/verifications/:id/resend', caller, ...json, verificationId, resendCode(deps));
  router.get('/v1/verifications/:id/check', verificationId, openCheckUrl(deps)); // the device, from an application's checkUrl
  router.get('/v1/coverage', caller, coverage(deps));

  // compatibility facades (src/compat, docs/compatibility.md): other systems' APIs over the same flows;
  // each endpoint brings its own parser, guard and error format (COMPAT_FACADES picks which are served)
  const facades = deps.config.compat.facades;
  if (facades.includes('cloudsoftphone')) {
    const csp = deps.config.compat.cloudSoftphone.path; // default /compat/cloudsoftphone
    router.get(`${csp}/verify_number`, ...compat.verifyNumber(deps)); // the app: number in the query
    router.post(`${csp}/verify_number`, ...compat.verifyNumber(deps)); // the app: form or JSON
    router.post(`${csp}/check`, ...compat.checkPin(deps)); // provisioning backend, API key
  }
  if (facades.includes('mpass')) {
    router.get('/mpass-web/rest/mv/msg', ...compat.sendSms(deps)); // channel key
    router.get('/mpass-web/rest/mv/verify', ...compat.verifyOtp(deps)); // channel key
  }
  if (facades.includes('wso2')) {
    router.get('/scim2/Users/:id', ...compat.getUser(deps)); // API key
    router.patch('/scim2/Users/:id', ...compat.patchUser(deps)); // API key
    router.post('/api/identity/user/v1.0/validate-code', ...compat.validateCode(deps, 'privileged')); // API key
    router.post('/api/identity/user/v1.0/me/validate-code', ...compat.validateCode(deps, 'me')); // user JWT
    router.post('/api/identity/user/v1.0/resend-code', ...compat.resendCodeRoute(deps, 'privileged')); // API key
    router.post('/api/identity/user/v1.0/me/resend-code', ...compat.resendCodeRoute(deps, 'me')); // user JWT
    router.get('/compat/wso2/users/:id/silent-verify', ...compat.silentVerify(deps)); // user JWT or API key
    router.get('/compat/wso2/users/:id/silent-verify/done', ...compat.silentVerifyDone(deps)); // the device, after /callback
  }

  // admin: webhook deliveries, behind the admin API key
  const admin = adminAuth(deps);
  router.get('/v1/webhooks/deliveries', admin, listDeliveries(deps));
  router.post('/v1/webhooks/deliveries/:id/replay', admin, requirePathId(DELIVERY_ID, 'delivery'), replayDelivery(deps));

  // admin: applications and their API keys (issue 14; `npm run apps` calls the same use cases)
  const applicationId = requirePathId(APPLICATION_ID, 'application');
  router.post('/v1/applications', admin, ...json, applications.create(deps));
  router.get('/v1/applications', admin, applications.list(deps));
  router.get('/v1/applications/:id', admin, applicationId, applications.show(deps));
  router.patch('/v1/applications/:id', admin, ...json, applicationId, applications.update(deps));
  router.post('/v1/applications/:id/keys', admin, applicationId, applications.addKey(deps));
  router.delete('/v1/applications/:id/keys/:keyId', admin, applicationId, applications.revoke(deps));

  // sandbox only (development and tests): the SMS inbox, and what the sample pages and the developer page
  // show; absent (404) in production
  if (deps.config.sandbox.enabled) {
    router.get('/sandbox/inbox', sandboxInbox(deps));
    router.get('/sandbox/info', sandboxInfo(deps));
    router.get('/sandbox/verifications', sandboxVerifications(deps));
    router.get('/sandbox/deliveries', sandboxDeliveries(deps));
    router.post('/sandbox/deliveries/:id/replay', ...json, requirePathId(DELIVERY_ID, 'delivery'), sandboxReplayDelivery(deps));
    router.post('/sandbox/wallet', ...json, sandboxWallet(deps)); // issue 18: the test wallet, for the sample page's demo
    // a webhook receiver of its own, so the whole loop shows on the developer page without writing a server
    const webhookInbox = createWebhookInbox(webhookSecretOf(deps.config, deps.secrets, deps.config.verification.applicationId)!, deps.now);
    router.post(SANDBOX_WEBHOOKS_PATH, ...receiveSandboxWebhook(webhookInbox));
    router.get(SANDBOX_WEBHOOKS_PATH, listSandboxWebhooks(deps, webhookInbox));
  }

  return router;
}
