import type { ErrorRequestHandler } from 'express';
import type { BrokerDeps } from '../../deps.js';
import { BrokerError, type ErrorCode } from '../../errors.js';
import { facadeErrors } from '../errors.js';

/**
 * WSO2 Identity Server answers errors in two formats, and each facade endpoint uses the one its
 * original uses:
 * - SCIM 2.0 (/scim2/Users): `{"schemas": [Error], "status": "400", "scimType"?, "detail"}`, status a
 *   string (RFC 7644 §3.12), Content-Type application/scim+json;
 * - the identity user API (/api/identity/user/v1.0/…): `{"code", "message", "description"}` with WSO2's
 *   recovery error codes (18001 invalid code, 18002 expired code, 18003 invalid user, 18005 no recovery
 *   data, 18015 notification failure, 18013 unexpected error, 20038 no recovery scenario, UAR-10011 invalid
 *   recovery scenario), so clients that switch on `code` keep working.
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export class ScimError extends BrokerError {
  constructor(status: number, readonly scimType: string | undefined, detail: string) {
    super(status, status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT', detail);
  }
}

export class IdentityError extends BrokerError {
  constructor(status: number, readonly wso2Code: string, readonly title: string, description: string, headers?: Record<string, string>) {
    super(status, status === 401 ? 'UNAUTHENTICATED' : 'INVALID_ARGUMENT', description, { headers });
  }
}

export function scimErrors(deps: BrokerDeps): ErrorRequestHandler {
  return facadeErrors(deps.logger, 'wso2-scim', (err, res) => {
    const scimType = err instanceof ScimError ? err.scimType : err.status === 400 ? 'invalidValue' : undefined;
    const detail = err.expose ? detailFor(err) : 'The server encountered an internal error.';
    res
      .status(err.status)
      .type('application/scim+json')
      .send(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], ...(scimType && { scimType }), detail, status: String(err.status) }));
  });
}

export function identityErrors(deps: BrokerDeps): ErrorRequestHandler {
  return facadeErrors(deps.logger, 'wso2-identity', (err, res) => {
    if (err instanceof IdentityError) return res.status(err.status).json({ code: err.wso2Code, message: err.title, description: err.message });
    const [code, message] = IDENTITY_CODES[err.code] ?? (err.status < 500 ? ['18013', 'Bad Request'] : ['18013', 'Unexpected error']);
    res.status(err.status).json({ code, message, description: err.expose ? detailFor(err) : 'The server encountered an internal error.' });
  });
}

const IDENTITY_CODES: Partial<Record<ErrorCode, [string, string]>> = {
  INVALID_OTP: ['18001', 'Invalid Code'],
  INVALID_ARGUMENT: ['18001', 'Invalid Code'],
  OTP_ATTEMPTS_EXCEEDED: ['18001', 'Invalid Code'],
  CONFLICT: ['18001', 'Invalid Code'],
  OTP_EXPIRED: ['18002', 'Expired Code'],
  VERIFICATION_EXPIRED: ['18002', 'Expired Code'],
  TOO_MANY_REQUESTS: ['18015', 'Error sending recovery notification'],
  SMS_BUDGET_EXHAUSTED: ['18015', 'Error sending recovery notification'],
  SMS_UNAVAILABLE: ['18015', 'Error sending recovery notification'],
  DESTINATION_BLOCKED: ['18015', 'Error sending recovery notification'],
  UNAUTHENTICATED: ['17002', 'Invalid Credentials'],
};

/** where the native API's wording ("start a new verification") does not fit a WSO2 client */
const DESCRIPTIONS: Partial<Record<ErrorCode, string>> = {
  OTP_ATTEMPTS_EXCEEDED: 'Too many wrong codes; ask for a new code (resend-code).',
  VERIFICATION_EXPIRED: 'The code has expired; ask for a new one (resend-code).',
};

/** the flows' messages are written for callers; a wrong code also says how many tries are left */
function detailFor(err: BrokerError): string {
  if (!(err instanceof ScimError) && !(err instanceof IdentityError) && DESCRIPTIONS[err.code]) return DESCRIPTIONS[err.code]!;
  if (err.code === 'INVALID_OTP' && typeof err.details.attemptsRemaining === 'number') {
    return `${err.message} Attempts remaining: ${err.details.attemptsRemaining}.`;
  }
  return err.message;
}
