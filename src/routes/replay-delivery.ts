import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { InvalidArgument } from '../errors.js';
import { deliveryView, replayDelivery as replay } from '../webhooks/deliveries.js';

const DELIVERY_ID = /^msg_[\w-]{1,64}$/;

/** POST /v1/webhooks/deliveries/:id/replay (admin): sends a delivered or failed event again, same webhook-id. */
export function replayDelivery(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const id = String(req.params.id);
    if (!DELIVERY_ID.test(id)) throw new InvalidArgument('id is not a delivery id (msg_…).');
    const delivery = await replay(deps, id);
    res.status(202).set('Cache-Control', 'no-store').json(deliveryView(delivery));
  };
}
