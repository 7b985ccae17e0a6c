import * as jose from 'jose';
import type { OperatorConfig } from '../config/index.js';
import { clientAuthFor } from './client-auth.js';
import { pushes } from './authorization-url.js';
import type { OperatorClient } from './operator-client.js';

export interface CheckLine {
  what: string;
  advertised: string;
  configured: string;
  /** ok; warn: works but weaker or unknown; mismatch: the operator will refuse what the broker sends */
  verdict: 'ok' | 'warn' | 'mismatch';
}

const list = (v: unknown) => (Array.isArray(v) ? (v.length ? v.join(' ') : '(none)') : 'not advertised');

/**
 * A dry run against one operator (`npm run operators -- check <id>`, issue 16): what it advertises against what
 * the broker is configured to send, without a device or a verification.
 *
 * Rules:
 * - discovery (or the hand-given metadata) and the signing key load exactly as the broker loads them; either
 *   failing is a mismatch;
 * - the operator's JWKS is fetched and must hold a key for the ID-token alg the broker will expect;
 * - a test client assertion is signed (never sent) and its alg compared with the operator's list;
 * - an advertised list that leaves out what the broker sends is a mismatch; a list not advertised at all is
 *   a warning (the operator may still accept it); `usable` is false on any mismatch;
 * - scopes are the exception: `scopes_supported` is "RECOMMENDED" and operators often list only the OpenID ones
 *   (the sandbox does), so a scope missing from it is a warning, not a mismatch.
 */
export async function checkOperator(operators: OperatorClient, operator: OperatorConfig): Promise<{ usable: boolean; lines: CheckLine[] }> {
  const lines: CheckLine[] = [];
  const add = (what: string, advertised: string, configured: string, verdict: CheckLine['verdict']) => lines.push({ what, advertised, configured, verdict });
  const compare = (what: string, advertisedList: unknown, sent: string, absent: CheckLine['verdict'] = 'mismatch') => {
    const verdict = !Array.isArray(advertisedList) ? 'warn' : advertisedList.includes(sent) ? 'ok' : absent;
    add(what, list(advertisedList), sent, verdict);
  };

  let key: Awaited<ReturnType<OperatorClient['signingKey']>>;
  try {
    key = await operators.signingKey(operator);
  } catch (err) {
    add('signing key', '-', operator.privateKeyFile ?? 'broker key ring', 'mismatch');
    add('  problem', '-', (err as Error).message, 'mismatch');
    return { usable: false, lines };
  }
  let as: Awaited<ReturnType<OperatorClient['serverMetadata']>>;
  try {
    as = await operators.serverMetadata(operator);
  } catch (err) {
    add(operator.metadata ? 'metadata' : 'discovery', 'unreachable', operator.issuer, 'mismatch');
    add('  problem', '-', (err as Error).message, 'mismatch');
    return { usable: false, lines };
  }
  add(operator.metadata ? 'metadata (by hand)' : 'discovery', as.issuer, operator.issuer, as.issuer === operator.issuer ? 'ok' : 'mismatch');

  compare('client authentication', as.token_endpoint_auth_methods_supported, operator.clientAuth === 'vonage_bearer' ? 'vonage_bearer' : operator.clientAuth);
  if (key) {
    const assertion = await signTestAssertion(operator, key, as);
    const alg = assertion ? jose.decodeProtectedHeader(assertion).alg ?? '?' : key.alg;
    compare('client assertion alg', as.token_endpoint_auth_signing_alg_values_supported, alg);
    add('test assertion', '-', assertion ? `signed (${alg}${key.kid ? `, kid ${key.kid}` : ', no kid'})` : 'signed', 'ok');
  }
  if (operator.idToken) {
    const advertisedAlgs = as.id_token_signing_alg_values_supported;
    if (operator.idTokenSigningAlg) compare('ID token alg', advertisedAlgs, operator.idTokenSigningAlg);
    else if (Array.isArray(advertisedAlgs)) add('ID token alg', list(advertisedAlgs), 'any advertised', 'ok');
    else add('ID token alg', 'not advertised', 'RS256 (set idTokenSigningAlg if not)', 'warn');
    lines.push(await jwksLine(as.jwks_uri, operator.idTokenSigningAlg ?? (Array.isArray(advertisedAlgs) ? String(advertisedAlgs[0]) : 'RS256')));
  }
  compare('PKCE method', as.code_challenge_methods_supported, 'S256');
  add('iss in the response (RFC 9207)', String(as.authorization_response_iss_parameter_supported ?? false), 'checked when advertised', as.authorization_response_iss_parameter_supported ? 'ok' : 'warn');
  for (const scope of operator.scope.split(' ')) compare(`scope ${scope}`, as.scopes_supported, scope, 'warn');
  // the broker pushes and signs on its own when the operator requires it (authorization-url.ts), so "required" is fine
  const pushed = pushes(operator, as);
  add('PAR (RFC 9126)', as.pushed_authorization_request_endpoint ? `${as.require_pushed_authorization_requests ? 'required' : 'supported'}` : 'no', pushed ? 'on' : 'off', pushed && !as.pushed_authorization_request_endpoint ? 'mismatch' : 'ok');
  const signsRequests = Boolean(operator.requestObject || as.require_signed_request_object);
  add('JAR (RFC 9101)', as.require_signed_request_object ? 'required' : list(as.request_object_signing_alg_values_supported), signsRequests ? 'on' : 'off', 'ok');
  add('DPoP (RFC 9449)', list(as.dpop_signing_alg_values_supported), operator.dpop ? 'on' : 'off', operator.dpop && !as.dpop_signing_alg_values_supported ? 'warn' : 'ok');
  const ciba = operator.tokenAcquisition === 'ciba';
  add('CIBA', as.backchannel_authentication_endpoint ? 'supported' : 'no', ciba ? 'on (operator tokens)' : 'off', ciba && !as.backchannel_authentication_endpoint ? 'mismatch' : 'ok');
  return { usable: !lines.some((l) => l.verdict === 'mismatch'), lines };
}

/** signs the client authentication the broker would send, into a throwaway body (nothing goes to the operator) */
async function signTestAssertion(operator: OperatorConfig, key: NonNullable<Awaited<ReturnType<OperatorClient['signingKey']>>>, as: { token_endpoint?: string; issuer: string }): Promise<string | undefined> {
  const body = new URLSearchParams();
  const headers = new Headers();
  await clientAuthFor(operator, key)(as as never, { client_id: operator.clientId }, body, headers);
  return body.get('client_assertion') ?? headers.get('authorization')?.replace(/^Bearer /, '') ?? undefined;
}

async function jwksLine(jwksUri: string | undefined, alg: string): Promise<CheckLine> {
  if (!jwksUri) return { what: 'operator JWKS', advertised: 'no jwks_uri', configured: `a key for ${alg}`, verdict: 'mismatch' };
  try {
    const res = await fetch(jwksUri, { signal: AbortSignal.timeout(5000), redirect: 'manual' });
    const { keys } = (await res.json()) as { keys?: jose.JWK[] };
    const fits = (keys ?? []).filter((k) => (k.alg ? k.alg === alg : k.kty === (alg.startsWith('ES') ? 'EC' : alg === 'EdDSA' ? 'OKP' : 'RSA')));
    return { what: 'operator JWKS', advertised: `${keys?.length ?? 0} keys (${(keys ?? []).map((k) => k.alg ?? k.kty).join(' ')})`, configured: `a key for ${alg}`, verdict: fits.length ? 'ok' : 'mismatch' };
  } catch (err) {
    return { what: 'operator JWKS', advertised: `unreadable (${(err as Error).message})`, configured: `a key for ${alg}`, verdict: 'mismatch' };
  }
}
