import { z } from 'zod';

/**
 * Authorization-server metadata given by hand, for operators without OIDC discovery (issue 16). The fields are
 * those of the registries (RFC 8414 §2, OpenID Connect Discovery §3, RFC 9126, RFC 9449, RFC 9207, CIBA) that
 * a client may act on; a field outside them is kept out of what the broker uses and named in a warning at
 * start, so a typo (`token_endpoint_auth_method`) is seen rather than silently dropped.
 */
const ENDPOINTS = [
  'jwks_uri',
  'userinfo_endpoint',
  'end_session_endpoint',
  'pushed_authorization_request_endpoint',
  'backchannel_authentication_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'registration_endpoint',
  'device_authorization_endpoint',
] as const;
const LISTS = [
  'scopes_supported',
  'response_types_supported',
  'response_modes_supported',
  'grant_types_supported',
  'subject_types_supported',
  'acr_values_supported',
  'claims_supported',
  'code_challenge_methods_supported',
  'token_endpoint_auth_methods_supported',
  'token_endpoint_auth_signing_alg_values_supported',
  'id_token_signing_alg_values_supported',
  'userinfo_signing_alg_values_supported',
  'request_object_signing_alg_values_supported',
  'authorization_signing_alg_values_supported',
  'dpop_signing_alg_values_supported',
  'backchannel_token_delivery_modes_supported',
  'backchannel_authentication_request_signing_alg_values_supported',
] as const;
const FLAGS = [
  'authorization_response_iss_parameter_supported',
  'require_pushed_authorization_requests',
  'require_signed_request_object',
  'request_parameter_supported',
  'request_uri_parameter_supported',
  'backchannel_user_code_parameter_supported',
  'tls_client_certificate_bound_access_tokens',
] as const;

export const KNOWN_METADATA_FIELDS: readonly string[] = ['issuer', 'authorization_endpoint', 'token_endpoint', ...ENDPOINTS, ...LISTS, ...FLAGS];

const optional = <T extends z.ZodType>(names: readonly string[], type: T) => Object.fromEntries(names.map((n) => [n, type.optional()])) as Record<string, z.ZodOptional<T>>;

export const operatorMetadataSchema = z
  .object({
    issuer: z.string(),
    authorization_endpoint: z.url(),
    token_endpoint: z.url(),
    ...optional(ENDPOINTS, z.url()),
    ...optional(LISTS, z.array(z.string())),
    ...optional(FLAGS, z.boolean()),
  })
  // unknown fields are kept only to be named in the start-up warning (ignoredMetadataFields)
  .loose();

export type OperatorMetadata = z.output<typeof operatorMetadataSchema>;

/** the fields of hand-given metadata the broker does not know, hence ignores */
export function ignoredMetadataFields(metadata: OperatorMetadata): string[] {
  return Object.keys(metadata).filter((k) => !KNOWN_METADATA_FIELDS.includes(k));
}

/** the hand-given metadata without the fields the broker ignores, as openid-client takes it */
export function knownMetadataOf(metadata: OperatorMetadata): { issuer: string } & Record<string, unknown> {
  return Object.fromEntries(Object.entries(metadata).filter(([k]) => KNOWN_METADATA_FIELDS.includes(k))) as { issuer: string } & Record<string, unknown>;
}
