import type { Application } from '../../applications/application.js';
import type { BrokerDeps } from '../../deps.js';

/**
 * The stored applications, by id (`npm run apps -- list`, GET /v1/applications).
 *
 * Rules:
 * - only stored applications: the configured ones (APPLICATION_ID, BROKER_CONFIG) are managed in configuration;
 * - callers show them through applicationView, which never shows a key's hash.
 */
export async function listApplications(deps: Pick<BrokerDeps, 'store'>): Promise<Application[]> {
  return deps.store.applications.list();
}
