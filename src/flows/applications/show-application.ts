import type { Application } from '../../applications/application.js';
import type { BrokerDeps } from '../../deps.js';
import { NotFound } from '../../errors.js';

/**
 * One stored application (`npm run apps -- show <id>`, GET /v1/applications/{id}).
 *
 * Rules:
 * - an id that names no stored application is a NotFound, configured applications included (they are not managed here).
 */
export async function showApplication(deps: Pick<BrokerDeps, 'store'>, id: string): Promise<Application> {
  const application = await deps.store.applications.get(id);
  if (!application) throw new NotFound('No such application.');
  return application;
}
