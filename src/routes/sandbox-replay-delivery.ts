import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { replayDelivery } from '../webhooks/deliveries.js';

/**
 * POST /sandbox/deliveries/:id/replay (sandbox only): the developer page's "Replay" button, without the admin
 * key (the page has none). Same rules as the admin replay; JSON only (requireJson in the route table), so a
 * foreign page cannot trigger it with a plain form. Answers the id and status, not the payload.
 */
export function sandboxReplayDelivery(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const delivery = await replayDelivery(deps, String(req.params.id));
    res.status(202).set('Cache-Control', 'no-store').json({ id: delivery.id, status: delivery.status });
  };
}
