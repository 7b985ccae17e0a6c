import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';

/** GET /.well-known/jwks.json: the keys operators verify our client assertions with, and backends our session tokens. */
export function jwks(deps: BrokerDeps): RequestHandler {
  return (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(deps.keys.publicJwks(deps.now()));
  };
}
