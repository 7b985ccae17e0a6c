import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { BrokerDeps } from '../deps.js';
import { VERIFICATION_ID } from '../domain/verification.js';
import { presentFromSandboxWallet } from '../flows/sandbox-wallet.js';
import { callerOwnerId } from '../http/caller.js';
import { parseInput } from '../http/validate.js';

/** the parts of the broker's digitalCredentialRequest the wallet reads; the rest of it passes unread */
const digitalCredentialRequest = z.object({
  protocol: z.literal('openid4vp-v1-unsigned'),
  data: z.object({
    nonce: z.string().min(16).max(128),
    dcql_query: z.object({
      credentials: z
        .array(
          z.object({
            id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'DCQL credential ids'),
            meta: z.object({ vct_values: z.array(z.string().max(128)).min(1).max(4), credential_authorization_jwt: z.string().min(1).max(16_384) }),
          }),
        )
        .length(1),
    }),
  }),
});

const body = z.strictObject({
  verificationId: z.string({ error: 'is required' }).regex(VERIFICATION_ID, 'must be a verification id'),
  digitalCredentialRequest,
});

/**
 * POST /sandbox/wallet {verificationId, digitalCredentialRequest} (sandbox only, development): the sample page's
 * stand-in for navigator.credentials.get where the browser holds no SIM credential. Answers `{vp_token}` for
 * POST /v1/verifications/{id}/credential. The session's own verifications only; JSON only (requireJson in the
 * route table), so a foreign page cannot post it with a plain form.
 */
export function sandboxWallet(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const { verificationId, digitalCredentialRequest: request } = parseInput(body, req.body, 'body');
    const answer = await presentFromSandboxWallet(deps, verificationId, callerOwnerId(req), request);
    res.set('Cache-Control', 'no-store').json(answer);
  };
}
