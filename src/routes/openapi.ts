import { readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import type { Config } from '../config/index.js';
import type { BrokerDeps } from '../deps.js';

/** the description kept in the repository, next to src/ and dist/ alike */
const DESCRIPTION_FILE = new URL('../../openapi/broker.json', import.meta.url);

type Document = { servers?: unknown; paths: Record<string, Record<string, unknown>> } & Record<string, unknown>;

/**
 * GET /openapi.json: the OpenAPI 3.1 description of the broker (openapi/broker.json), as this instance
 * serves it: `servers` is PUBLIC_URL, and a path marked `x-enabled-by` (SANDBOX, METRICS) is left out when
 * that setting is off, so every path described is one this broker answers.
 */
export function openapi(deps: BrokerDeps): RequestHandler {
  const description = JSON.stringify(describeBroker(deps.config));
  return (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').type('application/json').send(description);
  };
}

export function describeBroker(config: Readonly<Config>): Document {
  const document = JSON.parse(readFileSync(DESCRIPTION_FILE, 'utf8')) as Document;
  const enabled: Record<string, boolean> = { SANDBOX: config.sandbox.enabled, METRICS: config.metrics.enabled };
  const paths = Object.entries(document.paths).filter(([, item]) => {
    const setting = item['x-enabled-by'];
    return typeof setting !== 'string' || enabled[setting] === true;
  });
  return { ...document, servers: [{ url: config.publicUrl }], paths: Object.fromEntries(paths) };
}
