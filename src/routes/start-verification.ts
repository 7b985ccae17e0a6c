import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { BrokerDeps } from '../deps.js';
import { startVerification, type Started } from '../flows/start-verification.js';
import { verificationView } from '../flows/read-verification.js';
import { networkField, parseInput } from '../http/validate.js';
import { ownerIdOf } from '../http/session.js';
import { parseE164 } from '../phone.js';

const loginQuery = z.strictObject({
  phoneNumber: z.string({ error: 'is required' }),
  network: networkField,
  returnUrl: z.string().max(2048).optional(),
  redirect: z.enum(['true', 'false']).default('false'),
});

const createBody = z.strictObject({
  phoneNumber: z.string({ error: 'is required' }),
  network: networkField,
  returnUrl: z.string().max(2048).optional(),
});

function answer(started: Started) {
  const { verification, authUrl } = started;
  return {
    verificationId: verification.id,
    method: authUrl ? 'silent_auth' : 'sms_otp',
    status: verification.status,
    ...(authUrl && { authUrl }),
    verification: verificationView(verification),
  };
}

/** GET /login?phoneNumber=+E164[&network][&returnUrl][&redirect=true]: the mobile app's entry point. */
export function login(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const query = parseInput(loginQuery, req.query, 'query');
    const phoneNumber = parseE164(query.phoneNumber);
    const started = await startVerification(deps, { phoneNumber, network: query.network, returnUrl: query.returnUrl, ownerId: ownerIdOf(req) });
    res.set('Cache-Control', 'no-store');
    if (query.redirect === 'true' && started.authUrl) return res.redirect(302, started.authUrl);
    res.status(200).json(answer(started));
  };
}

/** POST /v1/verifications {phoneNumber, network?, returnUrl?}: the same, as a resource. */
export function createVerification(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const body = parseInput(createBody, req.body, 'body');
    const phoneNumber = parseE164(body.phoneNumber);
    const started = await startVerification(deps, { phoneNumber, network: body.network, returnUrl: body.returnUrl, ownerId: ownerIdOf(req) });
    res.set('Cache-Control', 'no-store').location(`/v1/verifications/${started.verification.id}`).status(201).json(answer(started));
  };
}
