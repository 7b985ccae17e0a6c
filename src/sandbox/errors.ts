// One error hierarchy for the sandbox's CAMARA APIs and one serializer, so every error leaves the
// sandbox in the CAMARA ErrorInfo shape `{ status, code, message }`.
import type { ErrorRequestHandler, Response } from 'express';

/** The CAMARA error codes the sandbox answers with. */
export type CamaraErrorCode =
  | 'INVALID_ARGUMENT'
  | 'OUT_OF_RANGE'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK'
  | 'NOT_FOUND'
  | 'IDENTIFIER_NOT_FOUND'
  | 'MISSING_IDENTIFIER'
  | 'UNNECESSARY_IDENTIFIER'
  | 'SERVICE_NOT_APPLICABLE'
  | 'ONE_TIME_PASSWORD_SMS.INVALID_OTP'
  | 'ONE_TIME_PASSWORD_SMS.VERIFICATION_EXPIRED'
  | 'ONE_TIME_PASSWORD_SMS.VERIFICATION_FAILED'
  | 'ONE_TIME_PASSWORD_SMS.MAX_OTP_CODES_EXCEEDED'
  | 'ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_NOT_ALLOWED'
  | 'ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_BLOCKED'
  | 'INTERNAL'
  | 'NOT_IMPLEMENTED'
  | 'BAD_GATEWAY'
  | 'UNAVAILABLE'
  | 'TIMEOUT';

/** @see https://github.com/camaraproject/NumberVerification (components.schemas.ErrorInfo) */
export interface ErrorInfo {
  status: number;
  code: CamaraErrorCode;
  message: string;
}

export class CamaraError extends Error {
  constructor(
    readonly status: number,
    readonly code: CamaraErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  toErrorInfo(): ErrorInfo {
    return { status: this.status, code: this.code, message: this.message };
  }
}

export class InvalidArgument extends CamaraError {
  constructor(message = 'Client specified an invalid argument, request body or query param') {
    super(400, 'INVALID_ARGUMENT', message);
  }
}

export class Unauthenticated extends CamaraError {
  constructor() {
    super(401, 'UNAUTHENTICATED', 'Request not authenticated due to missing, invalid, or expired credentials. A new authentication is required.');
  }
}

export class PermissionDenied extends CamaraError {
  constructor() {
    super(403, 'PERMISSION_DENIED', 'Client does not have sufficient permissions to perform this action.');
  }
}

export class UserNotAuthenticatedByMobileNetwork extends CamaraError {
  constructor() {
    super(403, 'NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK', 'Client must authenticate via the mobile network to use this service');
  }
}

export class NotFound extends CamaraError {
  constructor() {
    super(404, 'NOT_FOUND', 'The specified resource is not found.');
  }
}

// SIM Swap and Number Recycling: who the call is about (messages as in each spec's examples, which word the
// subject "device" in SIM Swap and "phone number" in Number Recycling; the caller passes its wording).

export class OutOfRange extends CamaraError {
  constructor(message = 'Client specified an invalid range.') {
    super(400, 'OUT_OF_RANGE', message);
  }
}

export class IdentifierNotFound extends CamaraError {
  constructor() {
    super(404, 'IDENTIFIER_NOT_FOUND', 'Phone number not found.');
  }
}

export class MissingIdentifier extends CamaraError {
  constructor(message: string) {
    super(422, 'MISSING_IDENTIFIER', message);
  }
}

export class UnnecessaryIdentifier extends CamaraError {
  constructor(message: string) {
    super(422, 'UNNECESSARY_IDENTIFIER', message);
  }
}

export class ServiceNotApplicable extends CamaraError {
  constructor(message: string) {
    super(422, 'SERVICE_NOT_APPLICABLE', message);
  }
}

// One Time Password SMS v1.1.1 (messages verbatim from its ValidateCodeBadRequestError400 and SendCodeForbiddenError403)

export class InvalidOtp extends CamaraError {
  constructor() {
    super(400, 'ONE_TIME_PASSWORD_SMS.INVALID_OTP', 'The provided OTP is not valid for this authenticationId');
  }
}

export class OtpVerificationExpired extends CamaraError {
  constructor() {
    super(400, 'ONE_TIME_PASSWORD_SMS.VERIFICATION_EXPIRED', 'The authenticationId is no longer valid');
  }
}

export class OtpVerificationFailed extends CamaraError {
  constructor() {
    super(400, 'ONE_TIME_PASSWORD_SMS.VERIFICATION_FAILED', 'The maximum number of attempts for this authenticationId was exceeded without providing a valid OTP');
  }
}

export class MaxOtpCodesExceeded extends CamaraError {
  constructor() {
    super(403, 'ONE_TIME_PASSWORD_SMS.MAX_OTP_CODES_EXCEEDED', 'Too many OTPs have been requested for this MSISDN. Try later.');
  }
}

export class PhoneNumberNotAllowed extends CamaraError {
  constructor() {
    super(403, 'ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_NOT_ALLOWED', "Phone_number can't receive an SMS due to business reasons in the operator.");
  }
}

export class PhoneNumberBlocked extends CamaraError {
  constructor() {
    super(403, 'ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_BLOCKED', 'Phone_number is blocked to receive SMS due to any blocking business reason in the operator.');
  }
}

/** A server-side failure: a real one (500) or one injected by `faults.failStatus`. */
export class ServerFailure extends CamaraError {
  constructor(status = 500) {
    const [code, message] = SERVER_FAILURES[status] ?? SERVER_FAILURES[500];
    super(status, code, message);
  }
}

/** CAMARA Commonalities' codes for the 5xx statuses. */
const SERVER_FAILURES: Record<number, [CamaraErrorCode, string]> = {
  500: ['INTERNAL', 'Unknown server error. Typically a server bug.'],
  501: ['NOT_IMPLEMENTED', 'This functionality is not implemented yet.'],
  502: ['BAD_GATEWAY', 'An upstream internal service cannot be reached.'],
  503: ['UNAVAILABLE', 'Service Unavailable.'],
  504: ['TIMEOUT', 'Request timeout exceeded.'],
};

export function sendCamaraError(res: Response, error: CamaraError): void {
  if (error instanceof Unauthenticated) res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(error.status).json(error.toErrorInfo());
}

/**
 * The last handler of each API router. A 4xx from Express's body reader (too large,
 * bad charset) is the client's invalid argument; anything else that is not a CamaraError is a bug and
 * becomes a 500 that says nothing about its cause.
 */
export const handleCamaraErrors: ErrorRequestHandler = (error, _req, res, _next) => {
  sendCamaraError(res, toCamaraError(error));
};

function toCamaraError(error: unknown): CamaraError {
  if (error instanceof CamaraError) return error;
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return new InvalidArgument();
  return new ServerFailure();
}
