import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { BrokerDeps } from '../deps.js';
import { checkCode } from '../flows/otp/check-code.js';
import { callerOwnerId, viewFor } from '../http/caller.js';
import { parseInput } from '../http/validate.js';

const body = z.strictObject({ code: z.string({ error: 'is required' }).max(64) });

/** POST /v1/verifications/:id/code {code}: the code from the SMS, or the completion code of the silent leg. */
export function checkCodeRoute(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const { code } = parseInput(body, req.body, 'body');
    const { verification, sessionToken } = await checkCode(deps, String(req.params.id), callerOwnerId(req), code);
    res.set('Cache-Control', 'no-store').json({ status: verification.status, sessionToken, verification: viewFor(req, deps, verification) });
  };
}
