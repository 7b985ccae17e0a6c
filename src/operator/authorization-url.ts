import * as client from 'openid-client';
import { serverMetadataOf } from './server-metadata.js';
import type { OperatorConfig } from '../config/index.js';
import type { SigningKey } from '../keys/key-ring.js';
import { OperatorFailure } from './failure.js';
import { signedAuthorizationParams } from './request-object.js';

/**
 * The URL the device opens at the operator, from the authorization request's parameters.
 *
 * Rules:
 * - signed (JAR, request-object.ts) when the operator is configured with `requestObject`, or its metadata says
 *   require_signed_request_object: an unsigned request would be refused anyway;
 * - pushed (PAR) when the operator is configured with `par`, or its metadata says
 *   require_pushed_authorization_requests: the parameters (signed or not) go to the operator's PAR endpoint with
 *   the client authentication of the token endpoint, through the lean HTTP client and its timeout (the
 *   configuration's customFetch), and the device's URL carries only client_id and request_uri;
 * - the PAR call carries no DPoP proof (dpop.ts says why);
 * - the operator refusing the push is an `operator_error` with its OAuth error code, so the verification falls
 *   back at start instead of sending the device to a URL that cannot work; timeouts and network errors are left
 *   to the caller's mapping.
 * @see RFC 9101, RFC 9126 §2–§4, CAMARA Security and Interoperability Profile "Signed Authentication Requests"
 */
export async function buildOperatorAuthorizationUrl(
  config: client.Configuration,
  operator: OperatorConfig,
  params: Record<string, string>,
  signingKey: () => Promise<SigningKey>,
): Promise<URL> {
  const as = serverMetadataOf(config);
  const signed = operator.requestObject || as.require_signed_request_object === true;
  const request = signed
    ? await signedAuthorizationParams(params, {
        clientId: operator.clientId,
        issuer: as.issuer,
        authorizationEndpoint: as.authorization_endpoint!,
        key: await signingKey(),
      })
    : params;
  if (!pushes(operator, as)) return client.buildAuthorizationUrl(config, request);
  try {
    return await client.buildAuthorizationUrlWithPAR(config, request);
  } catch (err) {
    throw refusedPush(err);
  }
}

function refusedPush(err: unknown): unknown {
  const e = err as { error?: unknown; status?: unknown; message?: string; code?: string };
  if (err instanceof client.ResponseBodyError || typeof e.error === 'string') {
    const detail: Record<string, string | number> = { check: 'par' };
    if (typeof e.error === 'string') detail.operatorCode = e.error;
    if (typeof e.status === 'number') detail.status = e.status;
    return new OperatorFailure('operator_error', `the operator refused the pushed authorization request (${e.message ?? 'error'})`, detail, { cause: err });
  }
  return err;
}

/** Whether the request is pushed (PAR): the operator's `par`, or its metadata requiring it. */
export function pushes(operator: Pick<OperatorConfig, 'par'>, as: Readonly<client.ServerMetadata>): boolean {
  return Boolean(operator.par) || as.require_pushed_authorization_requests === true;
}
