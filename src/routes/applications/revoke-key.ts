import type { RequestHandler } from 'express';
import { applicationView } from '../../applications/view.js';
import type { BrokerDeps } from '../../deps.js';
import { revokeKey } from '../../flows/applications/revoke-key.js';

/** DELETE /v1/applications/:id/keys/:keyId (admin): the key is refused from now on and stays listed, revoked. */
export function revoke(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const { application, liveKeys } = await revokeKey(deps, String(req.params.id), String(req.params.keyId));
    res.set('Cache-Control', 'no-store').json({
      application: applicationView(application),
      liveKeys,
      ...(liveKeys === 0 && { warning: `The application has no live key left: its backend is refused until a new key is made (POST /v1/applications/${application.id}/keys).` }),
    });
  };
}
