import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { BrokerDeps } from '../deps.js';
import { presentCredential } from '../flows/present-credential.js';
import { callerOwnerId, viewFor } from '../http/caller.js';
import { parseInput } from '../http/validate.js';

/** one presentation, bounded: an SD-JWT with a JWE inside is a few KiB */
const presentation = z.string().min(1).max(32_768);

/** `vp_token` exactly as the Digital Credentials API returns it: DCQL credential id → [presentation] (OpenID4VP 1.0 §8.1) */
const body = z.strictObject({
  vp_token: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'DCQL credential ids'), z.union([presentation, z.array(presentation).min(1).max(4)]), {
    error: 'must be the vp_token object the Digital Credentials API returned',
  }),
});

/** POST /v1/verifications/:id/credential {vp_token}: the carrier's TS.43 credential, presented (issue 18). */
export function presentCredentialRoute(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const { vp_token: vpToken } = parseInput(body, req.body, 'body');
    const { verification, sessionToken } = await presentCredential(deps, String(req.params.id), callerOwnerId(req), vpToken);
    res.set('Cache-Control', 'no-store').json({ status: verification.status, sessionToken, verification: viewFor(req, deps, verification) });
  };
}
