import { z } from 'zod';
import { simSwapPolicySchema } from './fraud-signals.js';
import { applicationSchema } from './webhooks.js';

/**
 * One mobile operator the broker can verify numbers with. Defaults follow the CAMARA profile; the
 * dialect switches (clientAuth, loginHintFormat, apiVersionPath, prompt) cover Vonage and Orange.
 */
export const operatorSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, - and _'),
    issuer: z.url({ protocol: /^https?$/ }),
    clientId: z.string().min(1),
    /** private_key_jwt (RFC 7523, CAMARA profile) or Vonage's application JWT sent as a bearer token */
    clientAuth: z.enum(['private_key_jwt', 'vonage_bearer']).default('private_key_jwt'),
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
    metadata: z
      .object({
        issuer: z.string(),
        authorization_endpoint: z.url(),
        token_endpoint: z.url(),
        jwks_uri: z.url().optional(),
        authorization_response_iss_parameter_supported: z.boolean().optional(),
      })
      .optional(),
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
    // ── fraud signals (issue 17) ──
    /** check the SIM Swap API before trusting a number this operator serves (docs/fraud-signals.md); absent: no check */
    simSwap: simSwapPolicySchema.optional(),
    /**
     * ask for `sim-swap:check` in the Number Verification authorization, so the silent path checks with the
     * operator's 3-legged token (no number sent) instead of a client-credentials token
     */
    simSwapScope: z.boolean().optional(),
  })
  .strict()
  .superRefine(checkRequestSecurity);

export type OperatorConfig = z.output<typeof operatorSchema>;

/** PAR needs the operator's pushed_authorization_request_endpoint: without discovery, `metadata` must name it. */
function checkRequestSecurity(op: { par?: boolean; metadata?: object }, ctx: z.RefinementCtx): void {
  if (op.par && op.metadata && !('pushed_authorization_request_endpoint' in op.metadata)) {
    ctx.addIssue({ code: 'custom', path: ['par'], message: 'par needs metadata.pushed_authorization_request_endpoint (this operator has no discovery)' });
  }
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
