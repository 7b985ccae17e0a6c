import { z } from 'zod';
import { intVar, type EnvDoc } from './env.js';

export const sessionTokensEnvSchema = z.object({
  // at most an hour: retired signing keys stay published for a day, well past any token they signed
  SESSION_TOKEN_TTL_SECONDS: intVar(600, 30, 3600),
});

export const sessionTokensEnvDoc: EnvDoc[] = [
  { name: 'SESSION_TOKEN_TTL_SECONDS', default: '600', description: 'Lifetime of the session token (JWT) issued for a verified number, counted from the moment of verification.' },
];
