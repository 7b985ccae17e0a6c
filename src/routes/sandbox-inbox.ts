import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { BrokerDeps } from '../deps.js';
import { parseInput } from '../http/validate.js';
import { parseE164 } from '../phone.js';

const query = z.strictObject({ phoneNumber: z.string({ error: 'is required' }) });

/** GET /sandbox/inbox?phoneNumber=+E164: the SMS the console provider "sent" (sandbox only). */
export function sandboxInbox(deps: BrokerDeps): RequestHandler {
  return (req, res) => {
    const phoneNumber = parseE164(parseInput(query, req.query, 'query').phoneNumber);
    res.set('Cache-Control', 'no-store').json({ messages: deps.sms.inbox?.list(phoneNumber) ?? [] });
  };
}
