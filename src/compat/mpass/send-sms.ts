import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../../deps.js';
import { codeKind, sendRefusal } from '../../domain/lifecycle.js';
import type { Verification } from '../../domain/verification.js';
import { sendCode } from '../../flows/otp/send-code.js';
import { startVerification } from '../../flows/start-verification.js';
import type { FacadeRoute } from '../errors.js';
import { answer, mpassErrors } from './answer.js';
import { latestFor, ownerIdFor, rememberLatest } from './destinations.js';
import { readCall } from './params.js';

/**
 * GET /mpass-web/rest/mv/msg?apikey&dest[&lang][&app]: "Send SMS" (seed 003, 5.1.1).
 *
 * Rules:
 * - `lang` defaults to en_US, as the seed says (not to the number's country); `app`, when sent, is named
 *   in the SMS and must come back on the verify;
 * - a send for a number whose latest code from this channel is still live, for the same app and language,
 *   is a resend of that verification: the resend cooldown and the per-verification send and attempt
 *   limits apply, as on the native API. Otherwise (first send, code used or dead, sends spent, other app
 *   or language) a new verification starts; the per-number, per-IP, per-prefix and daily limits apply
 *   to every send either way;
 * - there is no silent path for an mPass caller (a server), so the verification goes straight to SMS.
 */
export function sendSms(deps: BrokerDeps): FacadeRoute {
  const handler: RequestHandler = async (req, res) => {
    const { channel, dest, app, values } = await readCall(deps, req, ['apikey', 'dest'] as const);
    const lang = values.lang ?? 'en_US';
    const ctx = { clientIp: req.ip ?? 'unknown', ...(app && { app }) };
    const latest = await latestFor(deps, channel, dest);
    if (latest && isResendable(deps, latest, app, lang)) {
      await sendCode(deps, latest.id, ctx);
      return answer(res, 'ACCEPT');
    }
    const origin = { facade: 'mpass', channel: channel.name, ...(app && { app }) };
    const { verification } = await startVerification(deps, { phoneNumber: dest, network: 'unknown', channel: 'sms', origin, lang, ownerId: ownerIdFor(channel) });
    await rememberLatest(deps, channel, dest, verification.id);
    await sendCode(deps, verification.id, ctx);
    answer(res, 'ACCEPT');
  };
  return [handler, mpassErrors(deps)];
}

/** a live code for the same app and language, on a verification that may still be sent one (the cooldown is the send's) */
function isResendable(deps: BrokerDeps, v: Verification, app: string | undefined, lang: string): boolean {
  if (codeKind(v) !== 'sms' || v.otp?.app !== app || v.lang !== lang) return false;
  const refused = sendRefusal(v, deps.now(), deps.config.otp);
  return refused === undefined || refused.refusal === 'cooldown';
}
