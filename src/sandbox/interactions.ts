// The login "page" of the sandbox: no page at all. The browser arrives here from the authorization
// endpoint, the sandbox identifies the device from the network, and the browser is sent straight on.
import { Router, type ErrorRequestHandler, type Request } from 'express';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';

import { identifyDevice } from './device.js';
import type { SandboxLogger } from './options.js';
import { maskPhoneNumber } from './phone-number.js';
import { INTERACTION_PATH } from './provider.js';
import { NETWORK_AUTHENTICATION_AMR, API_SCOPES, apiResource } from './resource-server.js';

interface InteractionDependencies {
  provider: Provider;
  sims: ReadonlyMap<string, string>;
  logger: SandboxLogger;
}

const NOT_ON_MOBILE_NETWORK = 'The device is not connected to the mobile network (it is on WiFi or unknown to the operator), so it cannot be authenticated by the network';

/**
 * Finishes every interaction at once, as a CAMARA operator must (no user interaction):
 * a device on the mobile network is logged in as its SIM's number with `amr: ["nba"]` and granted the
 * scopes it asked for; any other device is refused with `access_denied`, which oidc-provider returns to
 * the client's redirect_uri with `state` and `iss`.
 *
 * @see https://github.com/camaraproject/NumberVerification (The Authentication Request)
 * @see https://www.rfc-editor.org/rfc/rfc9207
 */
export function createInteractionRouter({ provider, sims, logger }: InteractionDependencies): Router {
  const router = Router();
  router.get(`${INTERACTION_PATH}/:uid`, async (req, res) => {
    const interaction = await provider.interactionDetails(req, res);
    const device = identifyDevice(req, sims);
    if (device.network === 'wifi') {
      logger.info(`sandbox: refused authorization, device ${describeSource(req)} is not on the mobile network`);
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: NOT_ON_MOBILE_NETWORK }, { mergeWithLastSubmission: false });
      return;
    }
    const grantId = await grantRequestedScopes(provider, interaction, device.phoneNumber);
    logger.info(`sandbox: device ${describeSource(req)} authenticated by the network as ${maskPhoneNumber(device.phoneNumber)}`);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: device.phoneNumber, amr: [NETWORK_AUTHENTICATION_AMR], remember: false }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  });
  router.use(INTERACTION_PATH, explainLostInteraction(logger));
  return router;
}

/** Grants what was asked for, limited to what the sandbox knows: `openid` and its APIs' scopes. */
async function grantRequestedScopes(provider: Provider, interaction: Interaction, accountId: string): Promise<string> {
  const requested = new Set(String(interaction.params.scope ?? '').split(' '));
  const grant = new provider.Grant({ accountId, clientId: String(interaction.params.client_id) });
  if (requested.has('openid')) grant.addOIDCScope('openid');
  const apiScopes = API_SCOPES.filter((scope) => requested.has(scope));
  if (apiScopes.length > 0) grant.addResourceScope(apiResource(provider.issuer), apiScopes.join(' '));
  return grant.save();
}

function describeSource(req: Request): string {
  return req.socket.remoteAddress ?? 'with no address';
}

/** oidc-provider throws when the interaction cookie is missing or the interaction expired; say so plainly. */
function explainLostInteraction(logger: SandboxLogger): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    logger.warn(`sandbox: interaction failed: ${error instanceof Error ? error.message : String(error)}`);
    res.status(400).type('text/plain').send('Sandbox operator: this authorization has expired or was opened in another browser. Start again from the application.');
  };
}
