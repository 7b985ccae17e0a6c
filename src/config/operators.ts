import { z } from 'zod';
import { simSwapPolicySchema } from './fraud-signals.js';
import { applicationSchema } from './webhooks.js';
import { operatorMetadataSchema } from './operator-metadata.js';

// ── digital credentials (issue 18) ──
/**
 * How the broker asks an operator or aggregator for the request parameters of a TS.43 credential request: a POST
 * with a client-credentials token to `endpoint`, or to `requestParametersPath` under its apiRoot (exactly one), with
 * `{nonce, vct}`, answered `{credential_authorization_jwt}` (operator/credential-request.ts). `vct`: `verify` asks
 * for number-verification/verify/ts43, `device-phone-number` for number-verification/device-phone-number/ts43.
 */
const digitalCredentialSchema = z
  .object({
    requestParametersPath: z.string().regex(/^\/[\w./-]*$/).optional(),
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    vct: z.enum(['verify', 'device-phone-number']).default('verify'),
    /** the scope of the client-credentials token for the request-parameters call */
    scope: z.string().min(1).optional(),
  })
  .strict()
  .refine((dc) => Boolean(dc.requestParametersPath) !== Boolean(dc.endpoint), { message: 'exactly one of requestParametersPath or endpoint' });
// ── end digital credentials ──

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
    // ── Signed, pushed and sender-constrained requests (issue 16) ──
    // optional rather than defaulted (off when absent), so operator objects built in code need not name them
    /**
     * sign the authorization request (JAR, RFC 9101) the CAMARA way: a request object with every parameter, and
     * scope, response_type, client_id and redirect_uri repeated in plain; also on when the operator's metadata
     * says require_signed_request_object
     */
    requestObject: z.boolean().optional(),
    /** push the authorization request (PAR, RFC 9126); also on when the operator's metadata says require_pushed_authorization_requests */
    par: z.boolean().optional(),
    /** ask for DPoP-bound access tokens (RFC 9449) and prove possession on the Number Verification call */
    dpop: z.boolean().optional(),
    // ── CIBA and JWT-bearer with an operator token (issue 16) ──
    /**
     * How the broker gets the access token: `authorization_code` (the device's redirect; the default), or, for
     * operators and aggregators that serve Number Verification without a redirect, `ciba` (poll mode) or
     * `jwt_bearer` (RFC 7523), used only with an operator token the application's backend passes
     * (`operatorToken`); docs/operators.md. Optional, not defaulted, so operator entries built in code stay valid.
     */
    tokenAcquisition: z.enum(['authorization_code', 'ciba', 'jwt_bearer']).optional(),
    /** with `ciba` or `jwt_bearer`: a start without an operator token may still take the redirect flow (default: SMS) */
    redirectFlow: z.boolean().optional(),
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
    // ── One Time Password SMS (issue 17) ──
    /**
     * the operator offers CAMARA One Time Password SMS v1 at `{apiRoot}/one-time-password-sms/v1` (2-legged token,
     * scope one-time-password-sms:send-validate): with OTP_ENGINE=camara-otp it makes, sends and checks the codes
     * of the numbers it serves (src/otp/camara-otp.ts)
     */
    otpSms: z.boolean().optional(),
    // ── fraud signals (issue 17) ──
    /** check the SIM Swap API before trusting a number this operator serves (docs/fraud-signals.md); absent: no check */
    simSwap: simSwapPolicySchema.optional(),
    /**
     * ask for `sim-swap:check` in the Number Verification authorization, so the silent path checks with the
     * operator's 3-legged token (no number sent) instead of a client-credentials token
     */
    simSwapScope: z.boolean().optional(),
    // ── digital credentials (issue 18) ──
    /**
     * the operator (or aggregator) exchanges the carrier's TS.43 credential presented over the Digital Credentials
     * API (docs/digital-credentials.md): where the broker gets its request parameters (its signed
     * credential_authorization_jwt) and which vct to ask for; the presentation is then exchanged at its token
     * endpoint (JWT-bearer, `sub=vp_token:<SD-JWT>`). Follows a draft, may change.
     */
    digitalCredential: digitalCredentialSchema.optional(),
  })
  .strict()
  .superRefine(checkRequestSecurity)
  .superRefine(operatorTokenRules)
  .superRefine(checkClientCredentials);

/** `redirectFlow` says something only for an operator whose usual flow is not the redirect. */
function operatorTokenRules(op: { tokenAcquisition?: string; redirectFlow?: boolean }, ctx: z.RefinementCtx): void {
  if (op.redirectFlow !== undefined && (op.tokenAcquisition ?? 'authorization_code') === 'authorization_code') {
    ctx.addIssue({ code: 'custom', path: ['redirectFlow'], message: 'applies only with tokenAcquisition ciba or jwt_bearer' });
  }
}

export type OperatorConfig = z.output<typeof operatorSchema> & {
  /** client_secret_*: read at load from clientSecretEnv or clientSecretFile; not enumerable, so never serialized or logged */
  readonly clientSecret?: string;
};

type ClientSecretMethod = 'client_secret_basic' | 'client_secret_post';
const usesSecret = (auth: string): auth is ClientSecretMethod => auth === 'client_secret_basic' || auth === 'client_secret_post';

/** issue 16: a shared secret comes from exactly one place outside BROKER_CONFIG; a key setting needs a key method */
function checkClientCredentials(op: { clientAuth: string; clientSecretEnv?: string; clientSecretFile?: string; privateKeyFile?: string; clientAssertionAlg?: string; requestObject?: boolean; tokenAcquisition?: string }, ctx: z.RefinementCtx): void {
  const sources = [op.clientSecretEnv, op.clientSecretFile].filter((v) => v !== undefined).length;
  if (usesSecret(op.clientAuth) && sources !== 1) ctx.addIssue({ code: 'custom', path: ['clientSecretEnv'], message: `${op.clientAuth} needs exactly one of clientSecretEnv or clientSecretFile` });
  if (!usesSecret(op.clientAuth) && sources > 0) ctx.addIssue({ code: 'custom', path: ['clientAuth'], message: 'clientSecretEnv/clientSecretFile are only for client_secret_basic or client_secret_post' });
  if (usesSecret(op.clientAuth) && (op.privateKeyFile || op.clientAssertionAlg)) ctx.addIssue({ code: 'custom', path: ['clientAuth'], message: `${op.clientAuth} signs nothing: remove privateKeyFile/clientAssertionAlg` });
  // a request object and a JWT-bearer assertion are signed: with a secret every verification would go to SMS
  if (usesSecret(op.clientAuth) && op.requestObject) ctx.addIssue({ code: 'custom', path: ['requestObject'], message: `signed requests need a signing key; ${op.clientAuth} has none` });
  if (usesSecret(op.clientAuth) && op.tokenAcquisition === 'jwt_bearer') ctx.addIssue({ code: 'custom', path: ['tokenAcquisition'], message: `the JWT-bearer grant needs a signing key; ${op.clientAuth} has none` });
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

/** PAR needs the operator's pushed_authorization_request_endpoint: without discovery, `metadata` must name it. */
function checkRequestSecurity(op: { par?: boolean; metadata?: object }, ctx: z.RefinementCtx): void {
  if (op.par && op.metadata && !('pushed_authorization_request_endpoint' in op.metadata)) {
    ctx.addIssue({ code: 'custom', path: ['par'], message: 'par needs metadata.pushed_authorization_request_endpoint (this operator has no discovery)' });
  }
}

// ── Telco Finder (issue 16) ──
const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const op = operatorSchema.shape;

/**
 * How the broker is registered with an operator found by Telco Finder: what an operator entry says minus what
 * the answer brings (issuer, apiRoot) and prefix routing (a found operator is never routed to by prefix).
 * `{ "operator": "<id>" }` instead uses an operator configured in `operators`, ignoring the answer's URLs.
 */
const telcoFinderRegistrationSchema = z.union([
  z.object({ operator: op.id }).strict(),
  z
    .object({
      clientId: op.clientId,
      // a registration has no field for a secret: private_key_jwt (the default) or Vonage's application JWT
      clientAuth: z.enum(['private_key_jwt', 'vonage_bearer']).default('private_key_jwt'),
      applicationId: op.applicationId,
      privateKeyFile: op.privateKeyFile,
      scope: op.scope,
      loginHintFormat: op.loginHintFormat,
      prompt: op.prompt,
      apiVersionPath: op.apiVersionPath,
      mode: op.mode,
      hashPhoneNumber: op.hashPhoneNumber,
      timeoutMs: op.timeoutMs,
      idToken: op.idToken,
    })
    .strict(),
]);

/**
 * GSMA Open Gateway Telco Finder (docs/operators.md, "An aggregator behind Telco Finder"): which operator serves
 * a number today, whatever its prefix says (number portability).
 */
export const telcoFinderSchema = z
  .object({
    /** base URL: the broker POSTs {url}/telco-finder/v1/search */
    url: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
    /** where the client-credentials token comes from: the token endpoint itself, or an issuer to discover it from */
    tokenEndpoint: z.url({ protocol: /^https?$/ }).optional(),
    issuer: z.url({ protocol: /^https?$/ }).optional(),
    clientId: z.string().min(1),
    scope: z.string().min(1).optional(),
    /** the whole lookup (token and search); default min(OPERATOR_TIMEOUT_MS, 2000): it delays every start */
    timeoutMs: z.number().int().min(50).max(10000).optional(),
    /** how long an answer is kept when the answer has no Cache-Control max-age */
    cacheSeconds: z.number().int().min(0).max(7 * 24 * 3600).default(3600),
    /** the hosts a found operator's apiRoot and OIDC endpoints may be on (`*.example.com` for subdomains) */
    allowedHosts: z.array(z.string().toLowerCase().regex(HOST_PATTERN, 'a host name, or *.domain')).min(1),
    /** a found operatorId → the broker's registration there; `*` is the aggregator's one registration for all */
    operators: z.record(z.string().min(1).max(64), telcoFinderRegistrationSchema).default({}),
    /** after a mismatch at the first operator, try the next candidate once (silently, no SMS) */
    secondAttempt: z.boolean().default(false),
  })
  .strict()
  .refine((tf) => Boolean(tf.tokenEndpoint) !== Boolean(tf.issuer), { message: 'exactly one of tokenEndpoint or issuer' });

export type TelcoFinderConfig = z.output<typeof telcoFinderSchema>;
export type TelcoFinderRegistration = z.output<typeof telcoFinderRegistrationSchema>;

// ── end Telco Finder ──

export const brokerFileSchema = z
  .object({
    operators: z.array(operatorSchema).default([]),
    applications: z.array(applicationSchema).default([]),
    telcoFinder: telcoFinderSchema.optional(),
  })
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
