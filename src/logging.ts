import pino, { type Logger } from 'pino';

/**
 * Field paths that can hold a secret. pino replaces them before anything is written; flows also mask phone
 * numbers themselves (maskPhoneNumber), so no log line carries a full number, a code, a token or a secret.
 */
export const REDACT_PATHS = [
  'code', '*.code', 'otp', '*.otp', 'pin', '*.pin', 'token', '*.token', 'accessToken', '*.accessToken',
  'access_token', '*.access_token', 'id_token', '*.id_token', 'sessionToken', '*.sessionToken', 'authToken', '*.authToken',
  'client_assertion', '*.client_assertion', 'secret', '*.secret', 'apiKey', '*.apiKey', 'apikey', '*.apikey',
  'password', '*.password', 'phoneNumber', '*.phoneNumber', 'req.headers.authorization', 'req.headers.cookie',
  'res.headers["set-cookie"]', 'req.query', 'req.body',
];

export function createLogger(options: { level: string; pretty: boolean; destination?: pino.DestinationStream }): Logger {
  const base = { level: options.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (options.pretty && !options.destination) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } });
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}
