import type { RequestHandler } from 'express';
import { applicationView } from '../../applications/view.js';
import type { BrokerDeps } from '../../deps.js';
import { rotateKey } from '../../flows/applications/rotate-key.js';

/** POST /v1/applications/:id/keys (admin): one more live key, shown in this answer only; the others stay live. */
export function addKey(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const { application, apiKey, keyId } = await rotateKey(deps, String(req.params.id));
    res.status(201).set('Cache-Control', 'no-store').json({ apiKey, keyId, application: applicationView(application) });
  };
}
