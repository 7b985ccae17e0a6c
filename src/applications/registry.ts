import type { BrokerDeps } from '../deps.js';
import { Unauthenticated } from '../errors.js';
import { keyIdOf, liveKeyOf, type Application } from './application.js';

export type ApplicationDeps = Pick<BrokerDeps, 'store'>;

/**
 * The application a presented API key belongs to.
 *
 * Rules:
 * - the key must be shaped like ours (`vbk_<keyId>_<secret>`), name a stored application, be one of its keys,
 *   and not be revoked; anything else is the same 401 (the caller learns nothing about which part failed);
 * - nothing is cached: a revoked key stops working at once, on every instance.
 */
export async function authenticateApplication(deps: ApplicationDeps, presented: string): Promise<Application> {
  const keyId = keyIdOf(presented);
  const application = keyId ? await deps.store.applications.findByKeyId(keyId) : undefined;
  if (!application || !liveKeyOf(application, presented)) throw new Unauthenticated('The API key is not valid (unknown, revoked or mistyped).', 'broker-applications');
  return application;
}

/**
 * A stored application's settings, for the flows that apply them (SMS brand, languages, countries, budget).
 * The applications of configuration (APPLICATION_ID, BROKER_CONFIG) are not stored and have none: undefined.
 */
export async function storedApplication(deps: Pick<BrokerDeps, 'store' | 'config'>, id: string): Promise<Application | undefined> {
  // a configured id is never stored (creating one is refused), so the default application costs no read
  if (deps.config.webhooks.applications.some((app) => app.id === id)) return undefined;
  return deps.store.applications.get(id);
}

/** The owner id of what an application starts with its key: no browser session can hold it (those are random base64url). */
export function applicationOwnerId(applicationId: string): string {
  return `app:${applicationId}`;
}
