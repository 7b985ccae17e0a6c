import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import type { Config } from '../config/index.js';
import type { BrokerDeps } from '../deps.js';

/** the description kept in the repository, next to src/ and dist/ alike */
const DESCRIPTION_FILE = new URL('../../openapi/broker.json', import.meta.url);
/** where openapi/broker.json puts the Cloud Softphone facade; COMPAT_CLOUDSOFTPHONE_PATH moves it */
const CLOUD_SOFTPHONE_PATH = '/compat/cloudsoftphone';

type Items = Record<string, Record<string, unknown>>;
type Document = { servers?: unknown; paths: Items; webhooks?: Items } & Record<string, unknown>;

/**
 * GET /openapi.json: the OpenAPI 3.1 description of the broker (openapi/broker.json), as this instance
 * serves it, so that every path it describes is one this broker answers:
 * - `servers` is PUBLIC_URL;
 * - a path or webhook marked `x-enabled-by` is left out when that setting is off: `SANDBOX`, `METRICS`,
 *   `COMPAT_FACADES=<facade>`;
 * - the Cloud Softphone facade's paths start with COMPAT_CLOUDSOFTPHONE_PATH.
 */
export function openapi(deps: BrokerDeps): RequestHandler {
  const description = JSON.stringify(describeBroker(deps.config));
  return (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').type('application/json').send(description);
  };
}

export function describeBroker(config: Readonly<Config>): Document {
  const document = JSON.parse(readFileSync(DESCRIPTION_FILE, 'utf8')) as Document;
  const enabled = new Set<string>([
    ...(config.sandbox.enabled ? ['SANDBOX'] : []),
    ...(config.metrics.enabled ? ['METRICS'] : []),
    ...config.compat.facades.map((facade) => `COMPAT_FACADES=${facade}`),
  ]);
  const served = (items: Items) =>
    Object.fromEntries(
      Object.entries(items)
        .filter(([, item]) => typeof item['x-enabled-by'] !== 'string' || enabled.has(item['x-enabled-by']))
        .map(([path, item]) => [path.startsWith(`${CLOUD_SOFTPHONE_PATH}/`) ? config.compat.cloudSoftphone.path + path.slice(CLOUD_SOFTPHONE_PATH.length) : path, item]),
    );
  return {
    ...document,
    servers: [{ url: config.publicUrl }],
    paths: served(document.paths),
    ...(document.webhooks && { webhooks: served(document.webhooks) }),
  };
}
