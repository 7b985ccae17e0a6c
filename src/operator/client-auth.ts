import { randomBytes, randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import type { OperatorConfig } from '../config/index.js';
import { signCompactJwt } from '../keys/compact-jwt.js';
import type { SigningKey } from '../keys/key-ring.js';

/**
 * How the broker authenticates at an operator's token endpoint.
 *
 * private_key_jwt (RFC 7523 §2.2, CAMARA security profile):
 * - iss = sub = client_id; aud = the token endpoint URL; a fresh jti; iat; exp at most 300 s later
 *   (we use 60 s); the header carries the key's kid so the operator picks it from our JWKS.
 *
 * vonage_bearer (Vonage Network APIs): an application JWT `{application_id, iat, jti, exp}` signed with the
 * application's RS256 key, sent as `Authorization: Bearer`, no client assertion in the body.
 *
 * client_secret_basic / client_secret_post (RFC 6749 §2.3.1; issue 16): the shared secret the operator
 * issued, in `Authorization: Basic` (client id and secret each form-urlencoded) or as `client_id` and
 * `client_secret` form fields. Weaker: the operator knows the secret too, and it proves no possession of a
 * key; it is read from the environment or a file (config/operators.ts), never from BROKER_CONFIG.
 */
export function clientAuthFor(operator: OperatorConfig, key: SigningKey | undefined): client.ClientAuth {
  if (operator.clientAuth === 'client_secret_basic') return client.ClientSecretBasic(secretOf(operator));
  if (operator.clientAuth === 'client_secret_post') return client.ClientSecretPost(secretOf(operator));
  if (!key) throw new Error(`operator ${operator.id}: ${operator.clientAuth} needs a signing key`);
  if (operator.clientAuth === 'vonage_bearer') return vonageBearer(operator.applicationId ?? operator.clientId, key);
  return privateKeyJwt(key);
}

/**
 * The claims openid-client's PrivateKeyJwt makes (iss = sub = client_id, a 256-bit jti, iat = nbf = now,
 * exp 60 s later), with `aud` the token endpoint, signed with node:crypto (keys/compact-jwt.ts says why).
 */
export function privateKeyJwt(key: SigningKey): client.ClientAuth {
  return (as, clientMetadata, body) => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = signCompactJwt(
      key,
      // an operator-issued key without a registered kid signs without one (signing-key.ts)
      { kid: key.kid || undefined },
      { jti: randomBytes(32).toString('base64url'), aud: as.token_endpoint, exp: now + 60, iat: now, nbf: now, iss: clientMetadata.client_id, sub: clientMetadata.client_id },
    );
    body.set('client_id', clientMetadata.client_id);
    body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    body.set('client_assertion', assertion);
  };
}

function secretOf(operator: OperatorConfig): string {
  if (!operator.clientSecret) throw new Error(`operator ${operator.id}: no client secret loaded (clientSecretEnv or clientSecretFile)`);
  return operator.clientSecret;
}

function vonageBearer(applicationId: string, key: SigningKey): client.ClientAuth {
  return (_as, clientMetadata, body, headers) => {
    const iat = Math.floor(Date.now() / 1000);
    const jwt = signCompactJwt(key, { typ: 'JWT', kid: key.kid }, { application_id: applicationId, iat, jti: randomUUID(), exp: iat + 300 });
    headers.set('authorization', `Bearer ${jwt}`);
    // the token endpoint identifies the application from the JWT; client_id in the body is harmless and helps logs
    body.set('client_id', clientMetadata.client_id);
  };
}
