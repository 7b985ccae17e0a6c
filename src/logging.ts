import { AsyncLocalStorage } from 'node:async_hooks';
import { types } from 'node:util';
import pino, { type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { maskPhoneNumber } from './phone.js';

/**
 * Field paths that can hold a secret. pino replaces them before anything is written; flows also mask phone
 * numbers themselves (maskPhoneNumber), so no log line carries a full number, a code, a token or a secret.
 * Phone-number fields are masked rather than dropped (see `censor`), so a masked number stays readable.
 */
export const REDACT_PATHS = [
  'code', '*.code', 'otp', '*.otp', 'pin', '*.pin', 'token', '*.token', 'accessToken', '*.accessToken',
  'access_token', '*.access_token', 'id_token', '*.id_token', 'refresh_token', '*.refresh_token',
  'sessionToken', '*.sessionToken', 'authToken', '*.authToken', 'assertion', '*.assertion',
  'client_assertion', '*.client_assertion', 'codeVerifier', '*.codeVerifier', 'code_verifier', '*.code_verifier',
  'secret', '*.secret', 'apiKey', '*.apiKey', 'apikey', '*.apikey', 'password', '*.password',
  'authorization', '*.authorization', 'cookie', '*.cookie', 'operatorToken', '*.operatorToken', 'vp_token', '*.vp_token',
  'phoneNumber', '*.phoneNumber', 'msisdn', '*.msisdn', 'req.headers.authorization', 'req.headers.cookie',
  'res.headers["set-cookie"]', 'req.query', 'req.body',
];

const PHONE_FIELDS = new Set(['phoneNumber', 'msisdn']);
/**
 * A `code` that names an error is kept: the broker's own (STORE_UNAVAILABLE, CONFLICT), Node's (ECONNREFUSED,
 * ERR_…) and openid-client's (OAUTH_…). One-time codes are digits and authorization codes random strings
 * with lower case or digits, so neither ever looks like one.
 */
const ERROR_CODE = /^(E[A-Z]{3,15}|[A-Z]+(_[A-Z]+)+|INTERNAL|CONFLICT|GONE)$/;

/** a phone number is masked (`+3460*****02`), an error code kept; anything else redacted is replaced outright */
function censor(value: unknown, path: string[]): unknown {
  const field = path.at(-1)!;
  if (PHONE_FIELDS.has(field) && typeof value === 'string' && /^\+?[\d*]{5,16}$/.test(value)) return maskPhoneNumber(value);
  if (field === 'code' && typeof value === 'string' && ERROR_CODE.test(value)) return value;
  return '[redacted]';
}

/**
 * Errors as logs show them: type, message, code, stack and the chain of causes, and nothing else. pino's
 * default serializer copies every enumerable field, and an HTTP client's error carries the request it made
 * (an operator's bearer token, a phone number in the body).
 */
export function serializeError(value: unknown, depth = 0): unknown {
  // isNativeError: also errors made in another realm (a native module's, a vm context's)
  if (!(value instanceof Error || types.isNativeError(value))) return value;
  const err = value as Error;
  if (depth > 4) return { type: err.name };
  const { code, status } = err as { code?: unknown; status?: unknown };
  return {
    type: err.name,
    message: err.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof status === 'number' ? { status } : {}),
    stack: err.stack,
    ...(err.cause !== undefined && { cause: serializeError(err.cause, depth + 1) }),
  };
}

/** What every log line written while handling a request carries. */
export interface LogContext {
  correlator: string;
  /** the first verification the request touched (see flows/verifications.ts) */
  verificationId?: string;
}

/**
 * The request being handled, per asynchronous call chain: never shared between two requests, nor between two
 * brokers in one process. It lets a flow's plain `deps.logger.warn(...)` carry the request's correlator and
 * verification without every flow threading a request logger through its calls.
 */
const requestContext = new AsyncLocalStorage<LogContext>();

export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return requestContext.run(context, fn);
}

/** Marks the request being handled as being about this verification (the first one it touches wins). */
export function bindVerificationToLog(verificationId: string): void {
  const context = requestContext.getStore();
  if (context && !context.verificationId) context.verificationId = verificationId;
}

/** pino mixin: the request's fields a line does not already carry as its logger's bindings (no duplicate keys) */
function contextFields(_line: object, _level: number, logger: Logger): Record<string, string> {
  const context = requestContext.getStore();
  if (!context) return {};
  const bindings = (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? '';
  const fields: Record<string, string> = {};
  if (!bindings.includes('"correlator":')) fields.correlator = context.correlator;
  if (context.verificationId && !bindings.includes('"verificationId":')) fields.verificationId = context.verificationId;
  return fields;
}

/**
 * Without a destination, logs go to stdout synchronously. pino's default asynchronous stdout registers a
 * flush on process exit, and sonic-boom's flushSync retries a write failing with EPIPE forever: a broker
 * whose log reader had gone (a closed pipe) hung inside process.exit and outlived SIGTERM. A synchronous
 * stream meets EPIPE on the write itself, and pino then drops the rest of the logs instead.
 *
 * Readable logs (`pretty`, the default with the sandbox) are formatted in this thread, line by line, into
 * the same synchronous stdout: pino-pretty's transport would run in a worker and lose the last lines at
 * process.exit ("shut down"), and would interleave them out of order with the SMS box printed beside them.
 */
export function createLogger(options: { level: string; pretty: boolean; destination?: pino.DestinationStream }): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor },
    serializers: { err: serializeError },
    mixin: contextFields,
  };
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(base, options.pretty ? readable(destination, process.stdout.isTTY === true && !options.destination) : destination);
}

/** One readable line per log line: time, level, message; a request line reads `GET /path 200 12 ms`. */
function readable(destination: pino.DestinationStream, colorize: boolean): pino.DestinationStream {
  const format = prettyFactory({
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,req,res,responseTime',
    messageFormat: (line, messageKey) => {
      const message = String(line[messageKey] ?? '');
      const { req, res, responseTime } = line as { req?: { method: string; path: string }; res?: { statusCode: number }; responseTime?: number };
      if (!req || !res) return message;
      return `${req.method} ${req.path} ${res.statusCode} ${responseTime ?? '?'} ms${message === 'request completed' ? '' : ` (${message})`}`;
    },
  });
  return { write: (line: string) => void destination.write(format(line)) };
}
