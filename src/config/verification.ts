import { z } from 'zod';
import { intVar, type EnvDoc } from './env.js';

export const verificationEnvSchema = z.object({
  VERIFICATION_TTL_SECONDS: intVar(600, 60, 3600),
  OPERATOR_TIMEOUT_MS: intVar(5000, 100, 60000),
  CLIENT_ASSERTION_ALG: z.enum(['ES256', 'RS256']).default('ES256'),
  APPLICATION_ID: z.string().regex(/^[\w.-]{1,64}$/).default('default'),
  STORE: z.enum(['sqlite', 'redis']).default('sqlite'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_KEY_PREFIX: z.string().regex(/^[\w.:-]{0,64}$/).default('broker:'),
  BROKER_CONFIG: z.string().optional(),
});

export const verificationEnvDoc: EnvDoc[] = [
  { name: 'BROKER_CONFIG', description: 'Path of a JSON file `{"operators": [...]}` listing real operators (see README). Without it, the sandbox operator serves every number.' },
  { name: 'VERIFICATION_TTL_SECONDS', default: '600', description: 'How long a verification may take before it expires.' },
  { name: 'OPERATOR_TIMEOUT_MS', default: '5000', description: 'Timeout of each call to an operator (discovery, token, Number Verification); a timeout falls back to SMS.' },
  { name: 'CLIENT_ASSERTION_ALG', default: 'ES256', description: 'Algorithm of the broker key used for private_key_jwt client assertions: ES256 or RS256.' },
  { name: 'APPLICATION_ID', default: 'default', description: 'Application id: the `aud` of session tokens.' },
  { name: 'STORE', default: 'sqlite', description: 'sqlite (embedded, one instance) or redis (several instances).' },
  { name: 'REDIS_URL', description: 'Redis URL when STORE=redis, e.g. redis://127.0.0.1:6379.' },
  { name: 'REDIS_KEY_PREFIX', default: 'broker:', description: 'Prefix of every Redis key, so several brokers (or environments) can share one Redis. Identical on all instances of one broker.' },
];
