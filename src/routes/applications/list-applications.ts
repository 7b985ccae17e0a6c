import type { RequestHandler } from 'express';
import { applicationView } from '../../applications/view.js';
import type { BrokerDeps } from '../../deps.js';
import { listApplications } from '../../flows/applications/list-applications.js';

/** GET /v1/applications (admin): every stored application, by id; keys by id and hint only. */
export function list(deps: BrokerDeps): RequestHandler {
  return async (_req, res) => {
    const applications = await listApplications(deps);
    res.set('Cache-Control', 'no-store').json({ applications: applications.map(applicationView) });
  };
}
