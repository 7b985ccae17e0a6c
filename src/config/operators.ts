import { z } from 'zod';
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
  })
  .strict()
  .superRefine(checkRequestSecurity)
  .superRefine(operatorTokenRules);

/** `redirectFlow` says something only for an operator whose usual flow is not the redirect. */
function operatorTokenRules(op: { tokenAcquisition?: string; redirectFlow?: boolean }, ctx: z.RefinementCtx): void {
  if (op.redirectFlow !== undefined && (op.tokenAcquisition ?? 'authorization_code') === 'authorization_code') {
    ctx.addIssue({ code: 'custom', path: ['redirectFlow'], message: 'applies only with tokenAcquisition ciba or jwt_bearer' });
  }
}

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
