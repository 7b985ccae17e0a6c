import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import type { BrokerDeps } from '../deps.js';
import { startVerification, type Started, type StartInput } from '../flows/start-verification.js';
import { verificationView } from '../flows/read-verification.js';
import { networkField, parseInput } from '../http/validate.js';
import { ownerIdOf } from '../http/session.js';
import { callerOwnerId } from '../http/caller.js';
import { sessionRecordOf } from '../http/session-store.js';
import { parseE164 } from '../phone.js';
import { CHANNELS } from '../domain/verification.js';
import { InvalidArgument } from '../errors.js';

/** how long a backend's silent leg lasts unless its workflow says (a phone on mobile data needs a few seconds) */
const DEFAULT_SILENT_TIMEOUT_SECONDS = 60;

const loginQuery = z.strictObject({
  phoneNumber: z.string({ error: 'is required' }),
  network: networkField,
  returnUrl: z.string().max(2048).optional(),
  lang: z.string().regex(/^[a-zA-Z]{2}([-_][a-zA-Z]{2})?$/, 'must be a language tag like es or es-ES').optional(),
  redirect: z.enum(['true', 'false']).default('false'),
});

const createBody = loginQuery.omit({ redirect: true });

/**
 * Vonage Verify v2's shape: an ordered list of channels; `timeoutSeconds` bounds the silent leg. `digital_credential`
 * (issue 18) comes first when present, and is followed by sms only: a silent leg after it is not served (yet).
 */
const workflowSteps = z
  .array(
    z.discriminatedUnion('channel', [
      z.strictObject({ channel: z.literal('digital_credential') }),
      z.strictObject({ channel: z.literal('silent_auth'), timeoutSeconds: z.number().int().min(10).max(600).default(DEFAULT_SILENT_TIMEOUT_SECONDS) }),
      z.strictObject({ channel: z.literal('sms') }),
    ]),
  )
  .min(1)
  .max(CHANNELS.length)
  .refine((steps) => new Set(steps.map((s) => s.channel)).size === steps.length, 'names each channel at most once')
  .refine((steps) => steps.findIndex((s) => s.channel === 'digital_credential') <= 0, 'puts digital_credential first')
  .refine((steps) => !(steps.some((s) => s.channel === 'digital_credential') && steps.some((s) => s.channel === 'silent_auth')), 'has digital_credential followed by sms only');
const workflowField = workflowSteps
  .default([{ channel: 'silent_auth', timeoutSeconds: DEFAULT_SILENT_TIMEOUT_SECONDS }, { channel: 'sms' }]);

/**
 * The cookie API (the sample page) takes a workflow only to ask for the digital credential first (issue 18), e.g.
 * `[{"channel":"digital_credential"},{"channel":"sms"}]`; its verifications always fall back to SMS.
 */
const cookieBody = createBody.extend({
  workflow: workflowSteps.refine((steps) => steps[0].channel === 'digital_credential', 'is accepted here only to ask for digital_credential first').optional(),
});

/**
 * An operator token (TS.43) the app obtained, passed on as it is: opaque, but bounded, and printable ASCII without
 * spaces, so it cannot smuggle anything into a login_hint or an assertion. Only a backend may send one (see
 * createVerification): the start then waits for the operator, which a cookie caller must not be able to make it do.
 */
const operatorTokenField = z.string().min(1).max(4096).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** What an application's backend sends: the same fields, its workflow, its own reference and its user's address. */
const backendBody = createBody.extend({
  workflow: workflowField,
  clientRef: z.string().min(1).max(100).optional(),
  clientIp: z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' }).optional(),
  operatorToken: operatorTokenField.optional(),
  /** since when (YYYY-MM-DD) the number was this user's, for the Number Recycling check (issue 17) */
  knownSince: z.iso.date({ error: 'must be a date YYYY-MM-DD' }).refine((day) => day <= new Date().toISOString().slice(0, 10), 'must not be in the future').optional(),
});

/**
 * Reads the start's input and calls the start use case. GET /login passes `sms: 'wait'` (any web page can make a
 * browser GET it, so it must not send an SMS); the JSON POST passes `sms: 'send'`. The session remembers the
 * verification it sent to an operator: an operator error redirect without state ends that attempt (callback.ts).
 */
async function start(deps: BrokerDeps, req: Request, body: z.output<typeof cookieBody>, sms: 'send' | 'wait'): Promise<Started> {
  const { workflow, ...fields } = body;
  // the sample page is served from the broker's own origin (PUBLIC_URL): only its presentations are accepted
  const digitalCredential = workflow ? { origins: [new URL(deps.config.publicUrl).origin] } : undefined;
  const input: StartInput = { ...fields, phoneNumber: parseE164(fields.phoneNumber), ownerId: ownerIdOf(req), clientIp: req.ip, sms, session: bindSession(req), digitalCredential };
  return startVerification(deps, input);
}

/** The session, as it will be after this start, for the start's own write (express-session then has nothing to save). */
function bindSession(req: Request): StartInput['session'] {
  return ({ verificationId, silent }) => {
    if (silent) req.session.silentVerificationId = verificationId;
    return sessionRecordOf(req);
  };
}

function answer(deps: BrokerDeps, started: Started, options: { fullNumber?: boolean } = {}) {
  const { verification, authUrl, checkUrl, digitalCredentialRequest } = started;
  return {
    verificationId: verification.id,
    // a start finished with an operator token has no URL, and may be verified already (silent_auth)
    method: authUrl || checkUrl ? 'silent_auth' : verification.method,
    status: verification.status,
    ...(authUrl && { authUrl }),
    ...(checkUrl && { checkUrl }),
    ...(digitalCredentialRequest && { digitalCredentialRequest }),
    verification: verificationView(verification, deps.config.otp, options),
  };
}

/**
 * An application's backend starts with its key: its workflow and its user's address (`clientIp`, for the
 * per-network limits; the backend's own address never counts). No session is made: the application owns it.
 */
async function startForApplication(deps: BrokerDeps, req: Request): Promise<Started> {
  const { workflow, clientRef, clientIp, operatorToken, knownSince, ...fields } = parseInput(backendBody, req.body, 'body');
  const silent = workflow.find((step) => step.channel === 'silent_auth');
  const application = req.application!;
  if (workflow[0].channel === 'digital_credential' && !application.credentialOrigins?.length) {
    throw new InvalidArgument('workflow: digital_credential needs the application\'s credentialOrigins (the origins of its apps and pages).');
  }
  return startVerification(deps, {
    ...fields,
    phoneNumber: parseE164(fields.phoneNumber),
    ownerId: callerOwnerId(req)!,
    clientIp,
    knownSince,
    sms: 'send',
    ...(workflow[0].channel === 'digital_credential' && { digitalCredential: { origins: application.credentialOrigins! } }),
    backend: {
      application: req.application!,
      workflow: workflow.map((step) => step.channel),
      silentTimeoutSeconds: silent && 'timeoutSeconds' in silent ? silent.timeoutSeconds : DEFAULT_SILENT_TIMEOUT_SECONDS,
      clientRef,
      operatorToken,
      correlator: req.correlator,
    },
  });
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

/**
 * POST /v1/verifications {phoneNumber, network?, returnUrl?, lang?}: the same, as a resource. With an application's
 * key (Authorization: Bearer) also {workflow?, clientRef?, clientIp?, operatorToken?, knownSince?}, answered with `checkUrl`
 * instead of `authUrl`, or, with an operatorToken at an operator that takes one, already verified or fallback_required.
 */
export function createVerification(deps: BrokerDeps): RequestHandler {
  return async (req, res) => {
    const started = req.application ? await startForApplication(deps, req) : await start(deps, req, parseInput(cookieBody, req.body, 'body'), 'send');
    res
      .set('Cache-Control', 'no-store')
      .location(`/v1/verifications/${started.verification.id}`)
      .status(201)
      .json(answer(deps, started, { fullNumber: req.application !== undefined }));
  };
}
