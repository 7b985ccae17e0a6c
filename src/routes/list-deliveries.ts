import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { BrokerDeps } from '../deps.js';
import { parseInput } from '../http/validate.js';
import { deliveryView } from '../webhooks/deliveries.js';

const query = z
  .object({
    status: z.enum(['pending', 'delivering', 'delivered', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/** GET /v1/webhooks/deliveries?status=&limit= (admin): the newest deliveries, with their attempts. */
export function listDeliveries(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const filter = parseInput(query, req.query, 'query');
    const deliveries = await deps.store.outbox.list(filter);
    res.set('Cache-Control', 'no-store').json({ deliveries: deliveries.map(deliveryView) });
  };
}
