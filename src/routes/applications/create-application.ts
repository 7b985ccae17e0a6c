import type { RequestHandler } from 'express';
import { applicationView } from '../../applications/view.js';
import type { BrokerDeps } from '../../deps.js';
import { createApplication, createApplicationInput } from '../../flows/applications/create-application.js';
import { parseInput } from '../../http/validate.js';

/** POST /v1/applications (admin): a new application and its first API key, shown in this answer only. */
export function create(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const input = parseInput(createApplicationInput, req.body, 'body');
    const { application, apiKey } = await createApplication(deps, input);
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .location(`/v1/applications/${encodeURIComponent(application.id)}`)
      .json({ application: applicationView(application), apiKey });
  };
}
