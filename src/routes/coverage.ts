import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { BrokerDeps } from '../deps.js';
import { coverageOf } from '../flows/coverage.js';
import { parseInput } from '../http/validate.js';
import { parseE164 } from '../phone.js';

const query = z.strictObject({ phoneNumber: z.string({ error: 'is required' }) });

/** GET /v1/coverage?phoneNumber=+E164: which channels can serve the number now. */
export function coverage(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const phoneNumber = parseE164(parseInput(query, req.query, 'query').phoneNumber);
    res.set('Cache-Control', 'no-store').json({ channels: await coverageOf(deps, phoneNumber, req.application) });
  };
}
