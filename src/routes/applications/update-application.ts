import type { RequestHandler } from 'express';
import { applicationView } from '../../applications/view.js';
import type { BrokerDeps } from '../../deps.js';
import { applicationUpdateInput, updateApplication } from '../../flows/applications/update-application.js';
import { parseInput } from '../../http/validate.js';

/** PATCH /v1/applications/:id (admin): changes the settings given, keeps the others. */
export function update(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const changes = parseInput(applicationUpdateInput, req.body, 'body');
    const application = await updateApplication(deps, String(req.params.id), changes);
    res.set('Cache-Control', 'no-store').json(applicationView(application));
  };
}
