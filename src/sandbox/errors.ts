// One error hierarchy for the Number Verification API and one serializer, so every error leaves the
// sandbox in the CAMARA ErrorInfo shape `{ status, code, message }`.
import type { ErrorRequestHandler, Response } from 'express';

/** The CAMARA error codes the sandbox answers with. */
export type CamaraErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK'
  | 'NOT_FOUND'
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
 * The last handler of the Number Verification router. A 4xx from Express's body reader (too large,
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
