import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as jose from 'jose';
import { ConfigInvalid, type OperatorConfig } from '../config/index.js';
import type { KeyRing, SigningAlg, SigningKey } from '../keys/key-ring.js';

/**
 * The key an operator's client assertion (or Vonage application JWT) is signed with (issue 16).
 *
 * Rules:
 * - a shared-secret operator (client_secret_*) signs nothing;
 * - `privateKeyFile` (a key the operator issued, PKCS#8 PEM): the alg comes from the key — RSA → RS256
 *   (or PS256 when `clientAssertionAlg` says so), EC P-256 → ES256; a key that cannot be read, is not
 *   RSA or P-256, or does not fit `clientAssertionAlg` stops the start (ConfigInvalid naming the operator):
 *   signing with the wrong alg would fail at every discovery and send every number to SMS without a word;
 * - otherwise the broker's own key ring signs, with a key of the operator's `clientAssertionAlg` (published
 *   in /.well-known/jwks.json beside the default one) or CLIENT_ASSERTION_ALG.
 */
export async function signingKeyFor(operator: OperatorConfig, keys: KeyRing): Promise<SigningKey | undefined> {
  if (!signs(operator)) return undefined;
  if (operator.privateKeyFile) return loadOperatorKey(operator);
  return keys.active('client-assertion', operator.clientAssertionAlg);
}

/** the algs of the broker's own client-assertion keys that operators ask for besides the default */
export function ringAlgsOf(operators: readonly OperatorConfig[]): SigningAlg[] {
  return [...new Set(operators.filter((op) => signs(op) && !op.privateKeyFile && op.clientAssertionAlg).map((op) => op.clientAssertionAlg!))];
}

/** Loads every operator-issued key once, at start; throws one ConfigInvalid naming each operator whose key is unusable. */
export async function checkOperatorKeys(operators: readonly OperatorConfig[]): Promise<void> {
  const problems: string[] = [];
  for (const op of operators.filter((o) => signs(o) && o.privateKeyFile)) {
    await loadOperatorKey(op).catch((err: unknown) => problems.push(...(err instanceof ConfigInvalid ? err.problems : [String(err)])));
  }
  if (problems.length) throw new ConfigInvalid(problems);
}

async function loadOperatorKey(operator: OperatorConfig): Promise<SigningKey> {
  const problem = (what: string) => new ConfigInvalid([`BROKER_CONFIG operator ${operator.id}: privateKeyFile ${operator.privateKeyFile} ${what}`]);
  let pem: string;
  let key: KeyObject;
  try {
    pem = readFileSync(operator.privateKeyFile!, 'utf8');
    key = createPrivateKey(pem);
  } catch (err) {
    throw problem(`cannot be read as a PEM private key (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const alg = algOf(key, operator.clientAssertionAlg, problem);
  try {
    const privateKey = (await jose.importPKCS8(pem, alg)) as CryptoKey;
    // an operator that registered the key under a kid matches the header's kid exactly; without one it tries each key
    // of the client ('' = no kid in the header). Vonage ignores the kid; its header keeps the one it always had.
    const kid = operator.privateKeyId ?? (operator.clientAuth === 'vonage_bearer' ? `${operator.id}-key` : '');
    return { kid, alg, privateKey };
  } catch (err) {
    throw problem(`is not a PKCS#8 ${alg} key (${(err as Error).message}); convert it with \`openssl pkcs8 -topk8 -nocrypt\``);
  }
}

function algOf(key: KeyObject, configured: SigningAlg | undefined, problem: (what: string) => ConfigInvalid): SigningAlg {
  if (key.asymmetricKeyType === 'rsa') {
    if (configured === 'ES256') throw problem('is an RSA key but clientAssertionAlg is ES256 (use RS256 or PS256)');
    return configured ?? 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    if (configured && configured !== 'ES256') throw problem(`is an EC P-256 key but clientAssertionAlg is ${configured} (use ES256)`);
    return 'ES256';
  }
  const type = key.asymmetricKeyType === 'ec' ? `EC ${key.asymmetricKeyDetails?.namedCurve}` : key.asymmetricKeyType;
  throw problem(`is a ${type} key: only RSA (RS256, PS256) and EC P-256 (ES256) keys sign client assertions`);
}

function signs(operator: OperatorConfig): boolean {
  return operator.clientAuth === 'private_key_jwt' || operator.clientAuth === 'vonage_bearer';
}
