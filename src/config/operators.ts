import { z } from 'zod';
import { applicationSchema } from './webhooks.js';
import { operatorMetadataSchema } from './operator-metadata.js';

/**
 * One mobile operator the broker can verify numbers with. Defaults follow the CAMARA profile; the
 * dialect switches (clientAuth, loginHintFormat, apiVersionPath, prompt) cover Vonage and Orange.
 */
export const operatorSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, - and _'),
    issuer: z.url({ protocol: /^https?$/ }),
    clientId: z.string().min(1),
    /**
     * private_key_jwt (RFC 7523, CAMARA profile), Vonage's application JWT sent as a bearer token, or a shared
     * secret (client_secret_basic / client_secret_post, RFC 6749 §2.3.1: weaker, see docs/operators.md)
     */
    clientAuth: z.enum(['private_key_jwt', 'vonage_bearer', 'client_secret_basic', 'client_secret_post']).default('private_key_jwt'),
    /** Vonage application id put in the application JWT; defaults to clientId */
    applicationId: z.string().optional(),
    /** PEM (PKCS#8) private key registered with the operator, e.g. Vonage's application key; default: the broker's own key */
    privateKeyFile: z.string().optional(),
    scope: z.string().default('openid number-verification:verify'),
    loginHintFormat: z.enum(['tel', 'e164']).default('tel'),
    prompt: z.enum(['none']).optional(),
    apiRoot: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
    apiVersionPath: z.string().regex(/^\/[\w./-]*$/).default('/number-verification/v2'),
    mode: z.enum(['verify', 'device-phone-number']).default('verify'),
    hashPhoneNumber: z.boolean().default(false),
    prefixes: z.array(z.string().regex(/^\+\d{0,14}$/, 'a + followed by digits')).min(1),
    timeoutMs: z.number().int().min(100).max(60000).optional(),
    /** plain-http issuers are accepted only on loopback unless this is set (never in production) */
    allowInsecureHttp: z.boolean().default(false),
    /** for operators without OIDC discovery: the endpoints, used instead of /.well-known/openid-configuration */
    metadata: operatorMetadataSchema.optional(),
    /** expect an ID token at the token endpoint (Vonage's Number Verification does not issue one) */
    idToken: z.boolean().default(true),
    // ── operator onboarding: algorithms and client secrets (issue 16) ──
    /** alg of the client assertion; default: the key's (privateKeyFile: RSA → RS256, EC P-256 → ES256), else CLIENT_ASSERTION_ALG */
    clientAssertionAlg: z.enum(['ES256', 'RS256', 'PS256']).optional(),
    /** privateKeyFile: the kid the operator registered that key under, put in the assertion header (default: none, so the operator tries the client's keys) */
    privateKeyId: z.string().min(1).optional(),
    /** alg the operator signs ID tokens with, when its metadata does not say (default: its id_token_signing_alg_values_supported, else RS256) */
    idTokenSigningAlg: z.enum(['RS256', 'PS256', 'ES256', 'RS384', 'RS512', 'PS384', 'PS512', 'ES384', 'ES512', 'EdDSA']).optional(),
    /** client_secret_*: the environment variable holding the secret (never the secret itself in BROKER_CONFIG) */
    clientSecretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
    /** client_secret_*: a file holding the secret (trailing newline ignored) */
    clientSecretFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine(checkClientCredentials);

export type OperatorConfig = z.output<typeof operatorSchema> & {
  /** client_secret_*: read at load from clientSecretEnv or clientSecretFile; not enumerable, so never serialized or logged */
  readonly clientSecret?: string;
};

type ClientSecretMethod = 'client_secret_basic' | 'client_secret_post';
const usesSecret = (auth: string): auth is ClientSecretMethod => auth === 'client_secret_basic' || auth === 'client_secret_post';

/** issue 16: a shared secret comes from exactly one place outside BROKER_CONFIG; a key setting needs a key method */
function checkClientCredentials(op: { clientAuth: string; clientSecretEnv?: string; clientSecretFile?: string; privateKeyFile?: string; clientAssertionAlg?: string }, ctx: z.RefinementCtx): void {
  const sources = [op.clientSecretEnv, op.clientSecretFile].filter((v) => v !== undefined).length;
  if (usesSecret(op.clientAuth) && sources !== 1) ctx.addIssue({ code: 'custom', path: ['clientSecretEnv'], message: `${op.clientAuth} needs exactly one of clientSecretEnv or clientSecretFile` });
  if (!usesSecret(op.clientAuth) && sources > 0) ctx.addIssue({ code: 'custom', path: ['clientAuth'], message: 'clientSecretEnv/clientSecretFile are only for client_secret_basic or client_secret_post' });
  if (usesSecret(op.clientAuth) && (op.privateKeyFile || op.clientAssertionAlg)) ctx.addIssue({ code: 'custom', path: ['clientAuth'], message: `${op.clientAuth} signs nothing: remove privateKeyFile/clientAssertionAlg` });
}

/**
 * Reads each operator's client secret from the environment variable or file it names (issue 16). A missing
 * variable or unreadable/empty file is a start-up error naming the operator, not a silent fallback to SMS.
 */
export function withClientSecrets(operators: OperatorConfig[], env: Record<string, string | undefined>, readFile: (p: string) => string): { operators: OperatorConfig[]; problems: string[] } {
  const problems: string[] = [];
  for (const op of operators) {
    if (!usesSecret(op.clientAuth)) continue;
    let secret: string | undefined;
    if (op.clientSecretEnv) {
      secret = env[op.clientSecretEnv] || undefined;
      if (!secret) problems.push(`BROKER_CONFIG operator ${op.id}: clientSecretEnv ${op.clientSecretEnv} is not set`);
    } else if (op.clientSecretFile) {
      try {
        secret = readFile(op.clientSecretFile).replace(/\r?\n$/, '') || undefined;
        if (!secret) problems.push(`BROKER_CONFIG operator ${op.id}: clientSecretFile ${op.clientSecretFile} is empty`);
      } catch (err) {
        problems.push(`BROKER_CONFIG operator ${op.id}: cannot read clientSecretFile ${op.clientSecretFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
    }
    if (secret) Object.defineProperty(op, 'clientSecret', { value: secret, enumerable: false });
  }
  return { operators, problems };
}

export const brokerFileSchema = z
  .object({ operators: z.array(operatorSchema).default([]), applications: z.array(applicationSchema).default([]) })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.operators.forEach((op, i) => {
      if (seen.has(op.id)) ctx.addIssue({ code: 'custom', path: ['operators', i, 'id'], message: `duplicate operator id "${op.id}"` });
      seen.add(op.id);
    });
    const apps = new Set<string>();
    file.applications.forEach((app, i) => {
      if (apps.has(app.id)) ctx.addIssue({ code: 'custom', path: ['applications', i, 'id'], message: `duplicate application id "${app.id}"` });
      apps.add(app.id);
    });
  });
