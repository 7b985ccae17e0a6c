// The CAMARA One Time Password SMS API v1, mounted at `{apiRoot}/one-time-password-sms/v1` where the apiRoot
// is the sandbox's issuer URL. The operator makes, "sends" and checks the code; the caller never sees it.
import { Router } from 'express';

import { authorizeScopedCall, type ApiAccessDependencies } from './api-access.js';
import { handleCorrelator } from './correlator.js';
import { handleCamaraErrors, InvalidArgument, NotFound, PermissionDenied } from './errors.js';
import { injectFaults } from './faults.js';
import { parseJsonObject, readBodyAsText } from './json-body.js';
import { CODE_PLACEHOLDER, type OtpAuthentications } from './otp-authentications.js';
import { isE164PhoneNumber, maskPhoneNumber } from './phone-number.js';
import { SCOPES_ALLOWING_OTP_SMS } from './resource-server.js';
import type { SandboxSettings } from './settings.js';

export const OTP_SMS_PATH = '/one-time-password-sms/v1';

interface OtpSmsDependencies extends ApiAccessDependencies {
  faults: SandboxSettings['faults'];
  lines: SandboxSettings['lines'];
  logger: SandboxSettings['logger'];
  authentications: OtpAuthentications;
}

/** Message.maxLength, AuthenticationId.maxLength, Code.maxLength */
const MAX_MESSAGE_LENGTH = 160;
const MAX_AUTHENTICATION_ID_LENGTH = 36;
const MAX_CODE_LENGTH = 10;

/**
 * `POST /send-code {phoneNumber, message}` answers `{ authenticationId }`; `POST /validate-code
 * {authenticationId, code}` answers 204. The SMS goes to `print` (code shown) and `sentSms`; the log line
 * holds neither the number nor the code.
 *
 * `phoneNumber` is required with either token kind (the spec's SendCodeBody requires it); with a 3-legged
 * token it must be the token's subscriber → else 403 PERMISSION_DENIED.
 *
 * @see one-time-password-sms.yaml v1.1.1 (sendCode, validateCode)
 */
export function createOtpSmsRouter({ faults, lines, logger, authentications, ...access }: OtpSmsDependencies): Router {
  const router = Router();
  router.use(handleCorrelator, injectFaults(faults, 'one-time-password-sms'));

  router.post('/send-code', readBodyAsText, async (req, res) => {
    const grant = await authorizeScopedCall(access, req, SCOPES_ALLOWING_OTP_SMS);
    const { phoneNumber, message } = parseSendCodeBody(parseJsonObject(req.body));
    if (grant.phoneNumber !== undefined && grant.phoneNumber !== phoneNumber) throw new PermissionDenied();
    const served = lines.served.has(phoneNumber) || grant.phoneNumber === phoneNumber;
    const sms = authentications.send({ clientId: grant.clientId, phoneNumber, message, served });
    logger.info(`sandbox: One Time Password SMS to ${maskPhoneNumber(phoneNumber)}, authenticationId ${sms.authenticationId}`);
    logger.print(`[sandbox operator SMS] to ${maskPhoneNumber(phoneNumber)}: ${sms.text}`);
    res.json({ authenticationId: sms.authenticationId });
  });

  router.post('/validate-code', readBodyAsText, async (req, res) => {
    const grant = await authorizeScopedCall(access, req, SCOPES_ALLOWING_OTP_SMS);
    const { authenticationId, code } = parseValidateCodeBody(parseJsonObject(req.body));
    authentications.validate(grant.clientId, authenticationId, code);
    res.status(204).end();
  });

  router.use((_req, _res, next) => next(new NotFound()));
  router.use(handleCamaraErrors);
  return router;
}

/** Rules (SendCodeBody): `phoneNumber` E.164; `message` a string of at most 160 characters containing `{{code}}`. */
function parseSendCodeBody(body: Record<string, unknown>): { phoneNumber: string; message: string } {
  const { phoneNumber, message } = body;
  if (!isE164PhoneNumber(phoneNumber)) throw new InvalidArgument('phoneNumber is required, in E.164 format with a leading +');
  if (typeof message !== 'string' || !message.includes(CODE_PLACEHOLDER) || message.length > MAX_MESSAGE_LENGTH) {
    throw new InvalidArgument(`message is required: at most ${MAX_MESSAGE_LENGTH} characters, including ${CODE_PLACEHOLDER}`);
  }
  return { phoneNumber, message };
}

/** Rules (ValidateCodeBody): `authenticationId` a string of 1–36 characters; `code` a string of 1–10. */
function parseValidateCodeBody(body: Record<string, unknown>): { authenticationId: string; code: string } {
  const { authenticationId, code } = body;
  if (typeof authenticationId !== 'string' || authenticationId.length === 0 || authenticationId.length > MAX_AUTHENTICATION_ID_LENGTH) {
    throw new InvalidArgument(`authenticationId is required, at most ${MAX_AUTHENTICATION_ID_LENGTH} characters`);
  }
  if (typeof code !== 'string' || code.length === 0 || code.length > MAX_CODE_LENGTH) {
    throw new InvalidArgument(`code is required, at most ${MAX_CODE_LENGTH} characters`);
  }
  return { authenticationId, code };
}
