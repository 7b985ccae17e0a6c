/**
 * CAMARA One Time Password SMS as an OTP engine (OTP_ENGINE=camara-otp), like mPass: the operator that serves the
 * number makes the code, sends the SMS and checks the code. The broker keeps the `authenticationId` it answers in
 * the verification's OtpState, and never logs it.
 *
 *   send:     POST {apiRoot}/one-time-password-sms/v1/send-code {phoneNumber, message} → 200 {authenticationId}
 *   validate: POST {apiRoot}/one-time-password-sms/v1/validate-code {authenticationId, code} → 204
 *
 * Rules:
 * - a 2-legged token (client credentials, scope `one-time-password-sms:send-validate`, cached by OperatorClient):
 *   the broker calls before any device is involved, and the number is in the body;
 * - `message` holds `{{code}}` and is at most 160 characters (SendCodeBody.Message): operatorMessage;
 * - the operator's refusals of a send are outcomes the flow answers (403 …PHONE_NUMBER_BLOCKED and
 *   …PHONE_NUMBER_NOT_ALLOWED: the number; …MAX_OTP_CODES_EXCEEDED and 429: too many); its failures (401, 403
 *   PERMISSION_DENIED, 404, 5xx, a timeout, an answer without authenticationId) throw SmsProviderFailed, so the
 *   send is given back as when every SMS provider fails;
 * - validate: 204 valid; 400 …INVALID_OTP invalid; …VERIFICATION_FAILED failed (the operator takes no more codes
 *   for this authenticationId); …VERIFICATION_EXPIRED, or 404 (the operator forgot the id), expired; anything
 *   else throws SmsProviderFailed;
 * - the code goes as the user typed it: the operator made it and decides how it compares (the sandbox ignores
 *   case); changing it here could only turn a right code wrong at an operator that does not.
 * @see one-time-password-sms.yaml v1.1.1 (sendCode, validateCode), ../shared/specs/
 */
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config/index.js';
import type { Metrics } from '../metrics/index.js';
import { LeanHttp, type LeanResponse } from '../operator/lean-http.js';
import type { OperatorClient } from '../operator/operator-client.js';
import { bareHost, renderOtpText, type OtpMessageInput } from './messages.js';
import { SmsProviderFailed } from './sms/provider.js';

export const OTP_SMS_SCOPE = 'one-time-password-sms:send-validate';
const API_PATH = '/one-time-password-sms/v1';
export const CODE_PLACEHOLDER = '{{code}}';
/** SendCodeBody.Message maxLength; counted in UTF-16 units, which is never fewer than the spec's characters */
export const MAX_MESSAGE_LENGTH = 160;
const PROVIDER_PREFIX = 'camara-otp:';
/** the operator says "try later" without a time: a resend cooldown's worth, not an hour the user would wait for nothing */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

export type SendRefusal = 'blocked' | 'not_allowed' | 'too_many_codes';
export type SendOutcome =
  | { sent: true; authenticationId: string }
  | { sent: false; refusal: SendRefusal; operatorCode: string; retryAfterSeconds?: number };
export type ValidateOutcome = 'valid' | 'invalid' | 'failed' | 'expired';

export interface CamaraOtpDeps {
  /** 2-legged tokens (cached per operator and scope) and the operators by id */
  operators: Pick<OperatorClient, 'clientCredentialsToken' | 'byId'>;
  /** OPERATOR_TIMEOUT_MS, unless the operator sets its own */
  timeoutMs: number;
  logger: Pick<Logger, 'warn'>;
  /** counts sends as `broker_sms_sends_total{provider="camara-otp:<operator>"}` */
  metrics?: Pick<Metrics, 'smsSend'>;
}

/** `camara-otp:<operator>`: the send event's provider and the OtpState's, which check-code reads back */
export function camaraOtpProvider(operator: Pick<OperatorConfig, 'id'>): string {
  return `${PROVIDER_PREFIX}${operator.id}`;
}

/** the operator holding the code of this OtpState, when the engine was camara-otp */
export function camaraOtpOperatorId(otp: { provider?: string } | undefined): string | undefined {
  return otp?.provider?.startsWith(PROVIDER_PREFIX) ? otp.provider.slice(PROVIDER_PREFIX.length) : undefined;
}

/** Operator codes are alphanumeric, at most 10 characters (Code.maxLength; the spec's example is `AJY3`). */
export function isOperatorCodeShaped(code: string): boolean {
  return /^[A-Za-z0-9]{1,10}$/.test(code);
}

/**
 * The broker's own SMS text with `{{code}}` for the code, in the first form that fits in 160 characters:
 * with the origin-bound line `@host #{{code}}` (WebOTP, SMS Retriever), without it, the origin-bound line alone,
 * then the bare placeholder.
 */
export function operatorMessage(input: Omit<OtpMessageInput, 'code'>): string {
  const text = renderOtpText({ ...input, code: CODE_PLACEHOLDER });
  const originBound = `@${bareHost(input.host)} #${CODE_PLACEHOLDER}`;
  const forms = [`${text}\n\n${originBound}`, text, originBound, CODE_PLACEHOLDER];
  return forms.find((form) => form.length <= MAX_MESSAGE_LENGTH)!;
}

export class CamaraOtpEngine {
  private readonly http = new LeanHttp();

  constructor(private readonly deps: CamaraOtpDeps) {}

  /** Asks the operator to make a code and send it to `phoneNumber` in `message` (operatorMessage). */
  async sendCode(operator: OperatorConfig, input: { phoneNumber: string; message: string }): Promise<SendOutcome> {
    const provider = camaraOtpProvider(operator);
    try {
      const outcome = await this.askSend(operator, input);
      this.deps.metrics?.smsSend(provider, outcome.sent ? 'sent' : 'failed');
      return outcome;
    } catch (err) {
      this.deps.metrics?.smsSend(provider, 'failed');
      throw err;
    }
  }

  /** Asks the operator whether `code` is the one it sent for `authenticationId`. */
  async validateCode(operatorId: string, input: { authenticationId: string; code: string }): Promise<ValidateOutcome> {
    const operator = this.deps.operators.byId(operatorId);
    // the operator left the configuration since the send: its code cannot be checked, a resend picks the engine anew
    if (!operator) return 'expired';
    const answer = await this.call(operator, '/validate-code', input);
    if (answer.status === 204) return 'valid';
    const code = errorCodeOf(answer);
    if (answer.status === 400 && code === 'ONE_TIME_PASSWORD_SMS.INVALID_OTP') return 'invalid';
    if (answer.status === 400 && code === 'ONE_TIME_PASSWORD_SMS.VERIFICATION_FAILED') return 'failed';
    if ((answer.status === 400 && code === 'ONE_TIME_PASSWORD_SMS.VERIFICATION_EXPIRED') || answer.status === 404) return 'expired';
    throw this.failed(operator, 'validate-code', answer.status, code);
  }

  close(): void {
    this.http.close();
  }

  private async askSend(operator: OperatorConfig, input: { phoneNumber: string; message: string }): Promise<SendOutcome> {
    const answer = await this.call(operator, '/send-code', input);
    const code = errorCodeOf(answer);
    if (answer.status === 200) {
      const authenticationId = (parseJson(answer) as { authenticationId?: unknown } | undefined)?.authenticationId;
      if (typeof authenticationId === 'string' && authenticationId.length > 0 && authenticationId.length <= 36) return { sent: true, authenticationId };
      throw this.failed(operator, 'send-code', answer.status, 'no authenticationId');
    }
    if (answer.status === 403 && code === 'ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_BLOCKED') return { sent: false, refusal: 'blocked', operatorCode: code };
    if (answer.status === 403 && code === 'ONE_TIME_PASSWORD_SMS.PHONE_NUMBER_NOT_ALLOWED') return { sent: false, refusal: 'not_allowed', operatorCode: code };
    if ((answer.status === 403 && code === 'ONE_TIME_PASSWORD_SMS.MAX_OTP_CODES_EXCEEDED') || answer.status === 429) {
      return { sent: false, refusal: 'too_many_codes', operatorCode: code ?? `HTTP_${answer.status}`, retryAfterSeconds: retryAfterOf(answer) };
    }
    throw this.failed(operator, 'send-code', answer.status, code);
  }

  /** one call with a client-credentials token; a token or network failure is SmsProviderFailed, never the URL or body */
  private async call(operator: OperatorConfig, path: string, body: Record<string, string>): Promise<LeanResponse> {
    const endpoint = path.slice(1);
    try {
      const token = await this.deps.operators.clientCredentialsToken(operator, OTP_SMS_SCOPE);
      return await this.http.request(`${operator.apiRoot}${API_PATH}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token.value}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        timeoutMs: operator.timeoutMs ?? this.deps.timeoutMs,
      });
    } catch (err) {
      const reason = (err as { name?: string }).name === 'TimeoutError' ? 'timeout' : ((err as { reason?: string }).reason ?? 'network error');
      throw this.failed(operator, endpoint, undefined, reason);
    }
  }

  private failed(operator: OperatorConfig, endpoint: string, status: number | undefined, detail: string | undefined): SmsProviderFailed {
    const provider = camaraOtpProvider(operator);
    const reason = `${endpoint}: ${status === undefined ? '' : `HTTP ${status} `}${detail ?? ''}`.trim();
    this.deps.logger.warn({ provider, endpoint, status, reason }, 'One Time Password SMS call failed');
    return new SmsProviderFailed(provider, reason);
  }
}

function parseJson(answer: LeanResponse): unknown {
  try {
    return JSON.parse(answer.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** the CAMARA error code, only when it looks like one (it goes into logs and events) */
function errorCodeOf(answer: LeanResponse): string | undefined {
  if (answer.status < 400) return undefined;
  const code = (parseJson(answer) as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Z0-9_.]{1,80}$/.test(code) ? code : undefined;
}

function retryAfterOf(answer: LeanResponse): number {
  for (let i = 0; i < answer.rawHeaders.length; i += 2) {
    if (answer.rawHeaders[i].toLowerCase() !== 'retry-after') continue;
    const seconds = Number(answer.rawHeaders[i + 1]);
    if (Number.isFinite(seconds) && seconds > 0) return Math.min(seconds, 3600);
  }
  return DEFAULT_RETRY_AFTER_SECONDS;
}
