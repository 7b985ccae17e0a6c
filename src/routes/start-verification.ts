import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import type { BrokerDeps } from '../deps.js';
import { startVerification, type Started, type StartInput } from '../flows/start-verification.js';
import { verificationView } from '../flows/read-verification.js';
import { networkField, parseInput } from '../http/validate.js';
import { ownerIdOf } from '../http/session.js';
import { sessionRecordOf } from '../http/session-store.js';
import { parseE164 } from '../phone.js';

const loginQuery = z.strictObject({
  phoneNumber: z.string({ error: 'is required' }),
  network: networkField,
  returnUrl: z.string().max(2048).optional(),
  lang: z.string().regex(/^[a-zA-Z]{2}([-_][a-zA-Z]{2})?$/, 'must be a language tag like es or es-ES').optional(),
  redirect: z.enum(['true', 'false']).default('false'),
});

const createBody = loginQuery.omit({ redirect: true });

/**
 * Reads the start's input and calls the start use case. GET /login passes `sms: 'wait'` (any web page can make a
 * browser GET it, so it must not send an SMS); the JSON POST passes `sms: 'send'`. The session remembers the
 * verification it sent to an operator: an operator error redirect without state ends that attempt (callback.ts).
 */
async function start(deps: BrokerDeps, req: Request, fields: z.output<typeof createBody>, sms: 'send' | 'wait'): Promise<Started> {
  const input: StartInput = { ...fields, phoneNumber: parseE164(fields.phoneNumber), ownerId: ownerIdOf(req), clientIp: req.ip, sms, session: bindSession(req) };
  return startVerification(deps, input);
}

/** The session, as it will be after this start, for the start's own write (express-session then has nothing to save). */
function bindSession(req: Request): StartInput['session'] {
  return ({ verificationId, silent }) => {
    if (silent) req.session.silentVerificationId = verificationId;
    return sessionRecordOf(req);
  };
}

function answer(deps: BrokerDeps, started: Started) {
  const { verification, authUrl } = started;
  return {
    verificationId: verification.id,
    method: authUrl ? 'silent_auth' : 'sms_otp',
    status: verification.status,
    ...(authUrl && { authUrl }),
    verification: verificationView(verification, deps.config.otp),
  };
}

/** Where a browser goes when the silent leg is not possible: the page that asks for the code on a click. */
function smsPage(deps: BrokerDeps, { verification }: Started): string {
  const target = new URL(verification.returnUrl ?? `${deps.config.publicUrl}/otp.html`);
  target.searchParams.set('verificationId', verification.id);
  target.searchParams.set('status', verification.status);
  return target.href;
}

/** GET /login?phoneNumber=+E164[&network][&returnUrl][&redirect=true]: the mobile app's entry point. */
export function login(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const query = parseInput(loginQuery, req.query, 'query');
    const { redirect, ...fields } = query;
    const started = await start(deps, req, fields, 'wait');
    res.set('Cache-Control', 'no-store');
    if (redirect === 'true') return res.redirect(302, started.authUrl ?? smsPage(deps, started));
    res.status(200).json(answer(deps, started));
  };
}

/** POST /v1/verifications {phoneNumber, network?, returnUrl?}: the same, as a resource. */
export function createVerification(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const body = parseInput(createBody, req.body, 'body');
    const started = await start(deps, req, body, 'send');
    res.set('Cache-Control', 'no-store').location(`/v1/verifications/${started.verification.id}`).status(201).json(answer(deps, started));
  };
}
