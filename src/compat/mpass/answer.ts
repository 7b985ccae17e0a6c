import type { ErrorRequestHandler, Response } from 'express';
import type { BrokerDeps } from '../../deps.js';
import { BrokerError, type ErrorCode } from '../../errors.js';
import { facadeErrors } from '../errors.js';

/**
 * mPass MNV answers (seed 003): `{"description": "Accept", "status": "0"}`, status as a string, with the
 * seed's codes and descriptions verbatim.
 *
 * Every answer is HTTP 200: the seed documents outcomes only in the JSON body, and a client written
 * against it reads `status` from a successful response; a 4xx/5xx could make such a client treat a
 * plain "Reject" as a transport failure and retry.
 * @see seed 003, 5.1.1 Send SMS and 5.1.2 Verify OTP
 */
export const MPASS_STATUS = {
  ACCEPT: ['0', 'Accept'],
  INVALID_INPUT: ['1', 'Invalid Data'],
  INVALID_CLIENT: ['2', 'Access Denied'],
  REJECT: ['3', 'Reject'],
  EXPIRED: ['4', 'Expired'],
  INTERNAL_ERROR: ['100', 'Internal Error Occurred'],
} as const;

export type MpassStatus = keyof typeof MPASS_STATUS;

export function answer(res: Response, status: MpassStatus): void {
  const [code, description] = MPASS_STATUS[status];
  res.set('Cache-Control', 'no-store').status(200).json({ description, status: code });
}

/** A refusal the facade decides itself (a missing parameter, a key from the wrong address…). */
export class MpassRefusal extends BrokerError {
  constructor(readonly mpassStatus: MpassStatus) {
    super(400, 'INVALID_ARGUMENT', MPASS_STATUS[mpassStatus][1]);
  }
}

/**
 * The flows' errors in mPass terms:
 * - bad input (including a code that is not digits, refused without costing an attempt) → 1 Invalid Data;
 * - a wrong code, too many wrong codes, a code already used or never sent, and the send limits (cooldown,
 *   per-number/IP/prefix windows, daily budget, blocked country) → 3 Reject: the send list has no code for
 *   "refused by policy", and Reject is what such a client shows the user; Retry-After is still set;
 * - an expired code or verification → 4 Expired;
 * - the SMS providers down, the store down, anything unexpected → 100 Internal Error Occurred.
 */
const BY_CODE: Partial<Record<ErrorCode, MpassStatus>> = {
  INVALID_ARGUMENT: 'INVALID_INPUT',
  PAYLOAD_TOO_LARGE: 'INVALID_INPUT',
  UNAUTHENTICATED: 'INVALID_CLIENT',
  PERMISSION_DENIED: 'INVALID_CLIENT',
  INVALID_OTP: 'REJECT',
  OTP_ATTEMPTS_EXCEEDED: 'REJECT',
  CONFLICT: 'REJECT',
  NOT_FOUND: 'REJECT',
  TOO_MANY_REQUESTS: 'REJECT',
  SMS_BUDGET_EXHAUSTED: 'REJECT',
  DESTINATION_BLOCKED: 'REJECT',
  OTP_EXPIRED: 'EXPIRED',
  VERIFICATION_EXPIRED: 'EXPIRED',
};

export function statusFor(err: BrokerError): MpassStatus {
  if (err instanceof MpassRefusal) return err.mpassStatus;
  return BY_CODE[err.code] ?? 'INTERNAL_ERROR';
}

export function mpassErrors(deps: BrokerDeps): ErrorRequestHandler {
  return facadeErrors(deps.logger, 'mpass', (err, res) => answer(res, statusFor(err)));
}
