import type { ErrorRequestHandler } from 'express';
import type { BrokerDeps } from '../../deps.js';
import { BrokerError, type ErrorCode } from '../../errors.js';
import { facadeErrors } from '../errors.js';

/**
 * Cloud Softphone shows the `message` of a non-2xx answer in a message box, or else the first 100
 * characters of the body. Rules for every message here: one or two complete sentences a user can act on,
 * at most 100 characters, nothing technical (no codes, no field names beyond "number" and "PIN").
 * @see seed 000, "Response"
 */
export class CloudSoftphoneRefusal extends BrokerError {
  constructor(status: number, message: string, details?: Record<string, unknown>) {
    super(status, 'INVALID_ARGUMENT', message, { details });
  }
}

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  DESTINATION_BLOCKED: 'Codes cannot be sent to numbers of this country.',
  SMS_UNAVAILABLE: 'The code could not be sent right now. Please try again in a few minutes.',
  INVALID_OTP: 'The PIN is not correct.',
  OTP_EXPIRED: 'The PIN has expired. Please ask for a new one.',
  VERIFICATION_EXPIRED: 'The PIN has expired. Please ask for a new one.',
  OTP_ATTEMPTS_EXCEEDED: 'Too many wrong PINs. Please ask for a new one.',
  CONFLICT: 'This PIN has already been used. Please ask for a new one.',
  UNAUTHENTICATED: 'This request needs the backend API key.',
  PAYLOAD_TOO_LARGE: 'The request is too large.',
};

/** The sentence shown for an error: ours verbatim, the flows' by their code, anything else a generic one. */
export function messageFor(err: BrokerError): string {
  if (err instanceof CloudSoftphoneRefusal) return err.message;
  if (err.code === 'TOO_MANY_REQUESTS' || err.code === 'SMS_BUDGET_EXHAUSTED') {
    return `Too many codes were requested. Please try again ${inAbout(Number(err.headers['Retry-After'] ?? 60))}.`;
  }
  if (err.code === 'INVALID_OTP' && typeof err.details.attemptsRemaining === 'number') {
    const left = err.details.attemptsRemaining;
    return `The PIN is not correct. ${left === 1 ? '1 attempt is' : `${left} attempts are`} left.`;
  }
  if (MESSAGES[err.code]) return MESSAGES[err.code]!;
  if (err.status < 500) return 'The request could not be understood.';
  return 'The service is unavailable right now. Please try again later.';
}

/** "in 30 seconds", "in 5 minutes", "in 2 hours": what a person can plan with */
function inAbout(seconds: number): string {
  const unit = (n: number, word: string) => `in ${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds < 90) return unit(Math.max(1, Math.ceil(seconds)), 'second');
  if (seconds < 90 * 60) return unit(Math.ceil(seconds / 60), 'minute');
  return unit(Math.ceil(seconds / 3600), 'hour');
}

/** `{"message": "…"}` with the error's status (and Retry-After for limits). */
export function cloudSoftphoneErrors(deps: BrokerDeps): ErrorRequestHandler {
  return facadeErrors(deps.logger, 'cloudsoftphone', (err, res) => {
    const attempts = err.code === 'INVALID_OTP' && typeof err.details.attemptsRemaining === 'number' ? { attemptsRemaining: err.details.attemptsRemaining } : {};
    res.status(err.status).json({ message: messageFor(err), ...attempts });
  });
}
