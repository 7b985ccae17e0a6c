/**
 * One error hierarchy for the broker's own API. Every error carries its HTTP status and a CAMARA code;
 * `toErrorInfo` is the single serializer, and it hides the message of anything that is not ours or is a 5xx.
 * @see CAMARA API Design Guide, "Error responses" ({status, code, message})
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'OUT_OF_RANGE'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'GONE'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'SERVICE_NOT_APPLICABLE'
  | 'PAYLOAD_TOO_LARGE'
  | 'TOO_MANY_REQUESTS'
  | 'INVALID_OTP'
  | 'OTP_EXPIRED'
  | 'OTP_ATTEMPTS_EXCEEDED'
  | 'VERIFICATION_EXPIRED'
  | 'DESTINATION_BLOCKED'
  | 'SMS_BUDGET_EXHAUSTED'
  | 'SMS_UNAVAILABLE'
  | 'STORE_UNAVAILABLE'
  | 'INTERNAL';

export interface ErrorInfo {
  status: number;
  code: ErrorCode;
  message: string;
  [extra: string]: unknown;
}

export class BrokerError extends Error {
  /** fields added to the body beside status/code/message (e.g. attemptsRemaining) */
  readonly details: Record<string, unknown>;
  /** response headers the error implies (e.g. Retry-After) */
  readonly headers: Record<string, string>;
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? {};
    this.headers = options.headers ?? {};
  }
  /** 4xx messages are written for the caller; 5xx messages may hold internals */
  get expose(): boolean {
    return this.status < 500;
  }
}

export class InvalidArgument extends BrokerError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(400, 'INVALID_ARGUMENT', message, { details });
  }
}
export class Unauthenticated extends BrokerError {
  constructor(message = 'Request not authenticated due to missing, invalid, or expired credentials.', realm?: string) {
    super(401, 'UNAUTHENTICATED', message, realm ? { headers: { 'WWW-Authenticate': `Bearer realm="${realm}"` } } : {});
  }
}
export class PermissionDenied extends BrokerError {
  constructor(message = 'Client does not have sufficient permissions to perform this action.') {
    super(403, 'PERMISSION_DENIED', message);
  }
}
export class NotFound extends BrokerError {
  constructor(message = 'The specified resource is not found.') {
    super(404, 'NOT_FOUND', message);
  }
}
export class Conflict extends BrokerError {
  constructor(message: string) {
    super(409, 'CONFLICT', message);
  }
}
export class VerificationExpired extends BrokerError {
  constructor() {
    super(410, 'VERIFICATION_EXPIRED', 'The verification has expired; start a new one.');
  }
}
export class TooManyRequests extends BrokerError {
  constructor(message: string, retryAfterSeconds: number, code: ErrorCode = 'TOO_MANY_REQUESTS') {
    super(429, code, message, {
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
      details: { retryAfter: Math.max(1, Math.ceil(retryAfterSeconds)) },
    });
  }
}
export class UnsupportedMediaType extends BrokerError {
  constructor(message = 'The request must be sent as application/json.') {
    super(415, 'UNSUPPORTED_MEDIA_TYPE', message);
  }
}

/** CAMARA's 422: the service cannot serve this identifier (e.g. no silent check for this number, and no SMS wanted). */
export class ServiceNotApplicable extends BrokerError {
  constructor(message: string) {
    super(422, 'SERVICE_NOT_APPLICABLE', message);
  }
}

/**
 * A fraud signal's policy refused the verification (issue 17): it is now `failed` with `reason` (SIM_SWAPPED,
 * SIM_SWAP_UNKNOWN, NUMBER_RECYCLED) and no code was sent. 403: the caller may not go on with this number now.
 */
export class RiskRefused extends BrokerError {
  constructor(readonly reason: string) {
    super(403, 'PERMISSION_DENIED', reason === 'NUMBER_RECYCLED' ? 'This number changed hands since the user had it; it cannot be verified for this account.' : 'The SIM card of this number changed recently; it cannot be verified by this means now.', { details: { reason } });
  }
}

/** An application's silent leg ran past its workflow's `timeoutSeconds`: the device's checkUrl no longer leads anywhere. */
export class SilentCheckTimedOut extends BrokerError {
  constructor() {
    super(410, 'GONE', 'The silent check of this verification timed out; ask for the next channel (POST /v1/verifications/{id}/next).');
  }
}

// ── the code's conditions (SMS code or completion code), one class each ──────────────────────────────────

export class InvalidOtp extends BrokerError {
  constructor(readonly attemptsRemaining: number) {
    super(400, 'INVALID_OTP', 'The code is not correct.', { details: { attemptsRemaining } });
  }
}
export class OtpExpired extends BrokerError {
  constructor(message = 'The code has expired; ask for a new one.') {
    super(410, 'OTP_EXPIRED', message);
  }
}
export class OtpAttemptsExceeded extends BrokerError {
  constructor() {
    super(403, 'OTP_ATTEMPTS_EXCEEDED', 'Too many wrong codes; start a new verification.');
  }
}

// ── the SMS leg's conditions ─────────────────────────────────────────────────────────────────────────────

export class SmsUnavailable extends BrokerError {
  constructor(what: 'sent' | 'checked') {
    super(503, 'SMS_UNAVAILABLE', `The code could not be ${what === 'sent' ? 'sent by SMS' : 'checked'} right now; try again shortly.`, {
      headers: { 'Retry-After': '30' },
    });
  }
}
export class DestinationBlocked extends BrokerError {
  /** the message names why: a country the broker does not send to, or the number's operator refusing it (camara-otp) */
  constructor(message = 'Codes cannot be sent to numbers of this country.') {
    super(403, 'DESTINATION_BLOCKED', message);
  }
}
export class SmsBudgetExhausted extends BrokerError {
  constructor(retryAfterSeconds: number) {
    const seconds = String(Math.max(1, Math.ceil(retryAfterSeconds)));
    super(429, 'SMS_BUDGET_EXHAUSTED', 'The service has sent all the codes it may send today; try again later.', { headers: { 'Retry-After': seconds }, details: { retryAfter: Number(seconds) } });
  }
}

export class StoreUnavailable extends BrokerError {
  constructor(cause?: unknown) {
    super(503, 'STORE_UNAVAILABLE', 'The verification store is unavailable; retry shortly.', {
      cause,
      headers: { 'Retry-After': '5' },
    });
  }
  override get expose(): boolean {
    return true;
  }
}

/** Turns anything thrown into the CAMARA error body; unknown errors become a bare 500. */
export function toErrorInfo(err: unknown): { info: ErrorInfo; headers: Record<string, string> } {
  if (err instanceof BrokerError) {
    const message = err.expose ? err.message : 'The server encountered an internal error.';
    return { info: { status: err.status, code: err.code, message, ...err.details }, headers: err.headers };
  }
  return { info: { status: 500, code: 'INTERNAL', message: 'The server encountered an internal error.' }, headers: {} };
}
