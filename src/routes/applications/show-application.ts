import type { RequestHandler } from 'express';
import { applicationView } from '../../applications/view.js';
import type { BrokerDeps } from '../../deps.js';
import { showApplication } from '../../flows/applications/show-application.js';

/** GET /v1/applications/:id (admin): one application, its webhook secret included (see view.ts). */
export function show(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const application = await showApplication(deps, String(req.params.id));
    res.set('Cache-Control', 'no-store').json(applicationView(application));
  };
}
