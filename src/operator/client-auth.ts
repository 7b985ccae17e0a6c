import { randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import * as jose from 'jose';
import type { OperatorConfig } from '../config/index.js';
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
  return (as, clientMetadata, body, headers) => {
    const auth = client.PrivateKeyJwt(
      // an operator-issued key without a registered kid signs without one (signing-key.ts)
      { key: key.privateKey, kid: key.kid || undefined },
      {
        [client.modifyAssertion]: (_header, payload) => {
          payload.aud = as.token_endpoint;
        },
      },
    );
    return auth(as, clientMetadata, body, headers);
  };
}

function secretOf(operator: OperatorConfig): string {
  if (!operator.clientSecret) throw new Error(`operator ${operator.id}: no client secret loaded (clientSecretEnv or clientSecretFile)`);
  return operator.clientSecret;
}

function vonageBearer(applicationId: string, key: SigningKey): client.ClientAuth {
  return async (_as, clientMetadata, body, headers) => {
    const jwt = await new jose.SignJWT({ application_id: applicationId })
      .setProtectedHeader({ alg: key.alg, typ: 'JWT', kid: key.kid })
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime('5m')
      .sign(key.privateKey);
    headers.set('authorization', `Bearer ${jwt}`);
    // the token endpoint identifies the application from the JWT; client_id in the body is harmless and helps logs
    body.set('client_id', clientMetadata.client_id);
  };
}
