import type { BrokerDeps } from '../../deps.js';
import { sendRefusal } from '../../domain/lifecycle.js';
import type { Verification } from '../../domain/verification.js';
import { BrokerError } from '../../errors.js';
import { sendCode } from '../../flows/otp/send-code.js';
import { startVerification } from '../../flows/start-verification.js';
import { maskPhoneNumber } from '../../phone.js';
import { ownerIdFor, type MobileNumber, type PendingNumber, type Scenario } from './users.js';

/** Refusals that a later resend-code can overcome (limits, providers down), as opposed to a blocked country. */
const TRANSIENT: ReadonlySet<string> = new Set(['TOO_MANY_REQUESTS', 'SMS_BUDGET_EXHAUSTED', 'SMS_UNAVAILABLE']);

export interface CodeRequest {
  userId: string;
  scenario: Scenario;
  clientIp: string;
  /**
   * lenient (a SCIM update): a refusal a resend can overcome is logged and the number still waits, since
   * WSO2 sends its notification after the update and a failed send never undoes the update;
   * strict (resend-code): every refusal is the answer.
   */
  mode: 'lenient' | 'strict';
}

/**
 * Sends a code to a number that waits for verification, with the same flows and limits as the native API.
 *
 * Rules:
 * - a number already waiting gets its next code on its verification while that one can take one (the
 *   resend cooldown and the per-verification send and attempt limits apply, as for a native resend);
 * - otherwise (a new number, or a verification that expired, failed after too many wrong codes or spent
 *   its sends) a new verification starts on the SMS leg;
 * - returns the entry whose verification holds (or, lenient, will hold) the code.
 */
export async function deliverCode(deps: BrokerDeps, number: MobileNumber | PendingNumber, request: CodeRequest): Promise<PendingNumber> {
  const current = 'verificationId' in number ? await deps.store.verifications.get(number.verificationId) : undefined;
  const target = current && canTakeAnotherCode(deps, current) ? (number as PendingNumber) : await startOnSms(deps, number, request);
  try {
    await sendCode(deps, target.verificationId, { clientIp: request.clientIp });
  } catch (err) {
    if (request.mode === 'strict' || !(err instanceof BrokerError) || !TRANSIENT.has(err.code)) throw err;
    deps.logger.warn({ code: err.code, phoneNumber: maskPhoneNumber(target.e164), verificationId: target.verificationId }, 'wso2 facade: code not sent now; resend-code can send it');
  }
  return target;
}

async function startOnSms(deps: BrokerDeps, number: MobileNumber, request: CodeRequest): Promise<PendingNumber> {
  const origin = { facade: 'wso2', scenario: request.scenario };
  const { verification } = await startVerification(deps, { phoneNumber: number.e164, network: 'unknown', channel: 'sms', origin, ownerId: ownerIdFor(request.userId) });
  return { value: number.value, e164: number.e164, verificationId: verification.id };
}

/** a verification that may still be sent a code (the resend cooldown is the send's own refusal) */
function canTakeAnotherCode(deps: BrokerDeps, v: Verification): boolean {
  const refused = sendRefusal(v, deps.now(), deps.config.otp);
  return refused === undefined || refused.refusal === 'cooldown';
}
