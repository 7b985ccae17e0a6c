import { z } from 'zod';
import { boolVar, intVar, listVar, urlVar, type EnvDoc } from './env.js';

/** like boolVar, but unset stays undefined: the default depends on other settings */
const optionalBoolVar = () =>
  z
    .enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? undefined : ['true', '1', 'on', 'yes'].includes(v)));

export const serverEnvSchema = z.object({
  PORT: intVar(3000, 0, 65535),
  HOST: z.string().optional(),
  PUBLIC_URL: urlVar().optional(),
  NODE_ENV: z.string().optional(),
  // `true` trusts every hop: any client could then set X-Forwarded-For and pass for any address
  TRUST_PROXY: z
    .string()
    .default('false')
    .refine((v) => v.trim().toLowerCase() !== 'true', {
      message: 'true trusts every hop, so any client can spoof its address with X-Forwarded-For (per-IP limits, mPass channel IP binding); set the number of proxies in front (e.g. 1) or their addresses/subnets (e.g. loopback or 10.0.0.0/8)',
    }),
  RETURN_URL_PREFIXES: listVar(''),
  DATA_DIR: z.string().default('./data'),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/, 'must look like 16kb').default('16kb'),
  SESSION_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  ADMIN_API_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // unset: decided with the sandbox (config/index.ts), readable in development and JSON in production
  LOG_PRETTY: optionalBoolVar(),
  METRICS: boolVar(false),
  METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  SHUTDOWN_TIMEOUT_MS: intVar(10000, 0, 600000),
});

export const serverEnvDoc: EnvDoc[] = [
  { name: 'PORT', default: '3000', description: 'Port of the broker.' },
  { name: 'HOST', description: 'Listen address (default: all interfaces).' },
  { name: 'PUBLIC_URL', default: 'http://localhost:$PORT', description: 'URL at which apps and operators reach the broker; the operator redirect_uri is PUBLIC_URL/callback and token `iss` is PUBLIC_URL.' },
  { name: 'NODE_ENV', description: '`production` turns the sandbox default off and refuses SANDBOX=on.' },
  { name: 'TRUST_PROXY', default: 'false', description: "Express 'trust proxy' setting when behind a reverse proxy: false, a hop count (e.g. 1), or comma-separated addresses/subnets (e.g. loopback, 10.0.0.0/8). `true` (every hop) is refused: clients could spoof their address." },
  { name: 'RETURN_URL_PREFIXES', default: 'PUBLIC_URL/', description: 'Comma-separated prefixes a verification returnUrl must match (no open redirect): http(s) prefixes match the exact origin, then the path on a segment boundary; app deep links (com.example.app://verified) match scheme, host and path segments. Other schemes, credentials and fragments are refused at start.' },
  { name: 'DATA_DIR', default: './data', description: 'Folder for the SQLite file, generated keys and secrets (keep it out of git).' },
  { name: 'BODY_LIMIT', default: '16kb', description: 'Largest accepted request body.' },
  { name: 'SESSION_COOKIE_SECURE', default: 'auto', description: 'Secure session cookie: auto (when PUBLIC_URL is https), true or false.' },
  { name: 'ADMIN_API_KEY', default: '(generated into DATA_DIR)', description: 'Key for the admin endpoints only (webhook deliveries, applications and their keys, the operator detail of /readyz), sent as `Authorization: Bearer …`; at least 24 characters. The facades and the applications have their own keys.' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino log level.' },
  { name: 'LOG_PRETTY', default: 'on with the sandbox', description: 'Human-readable log lines (time, level, message) instead of JSON. Unset: readable when the sandbox is on (development), JSON when it is off (production, where collectors parse the lines). false keeps JSON in development.' },
  { name: 'METRICS', default: 'off', description: 'Serve Prometheus metrics at GET /metrics (on/off). Off by default: this port faces devices and operators, and the metrics name operators, SMS providers and volumes.' },
  { name: 'METRICS_TOKEN', description: 'When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>` (at least 24 characters). Unset with METRICS=on: /metrics is open, so keep it off the public network.' },
  { name: 'SHUTDOWN_TIMEOUT_MS', default: '10000', description: 'On SIGTERM/SIGINT, how long requests in flight may take to finish before their connections are cut.' },
];
