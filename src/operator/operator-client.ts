import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AxiosInstance } from 'axios';
import * as client from 'openid-client';
import * as jose from 'jose';
import type { OperatorConfig } from '../config/index.js';
import type { AuthorizationState } from '../domain/verification.js';
import type { KeyRing, SigningKey } from '../keys/key-ring.js';
import type { Metrics, OperatorEndpoint } from '../metrics/index.js';
import { clientAuthFor } from './client-auth.js';
import { OperatorFailure } from './failure.js';
import { isNumberOnDevice } from './number-verification.js';
import { routeToOperator } from './routing.js';

export interface OperatorClientDeps {
  operators: readonly OperatorConfig[];
  keys: KeyRing;
  /** exactly the redirect_uri registered with every operator: PUBLIC_URL/callback */
  redirectUri: string;
  timeoutMs: number;
  http: AxiosInstance;
  /** times every call to an operator, by operator and endpoint */
  metrics?: Pick<Metrics, 'operatorCall'>;
}

/** loading: first attempt under way; failed: the last attempt failed, tried again on the next verification or warmUp */
export type DiscoveryState = 'not_loaded' | 'loading' | 'loaded' | 'failed';

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\])$/;

/**
 * The broker's side of the operator's OIDC flow and Number Verification API, for every configured operator.
 * openid-client holds the protocol rules (PKCE, state, nonce, iss per RFC 9207, ID token claims); we add the
 * ID token signature check against the operator's JWKS and the CAMARA client assertion.
 */
export class OperatorClient {
  /** discovery results, per operator; a failed discovery is retried on the next verification */
  private readonly configurations = new Map<string, Promise<client.Configuration>>();
  private readonly discoveryStates = new Map<string, DiscoveryState>();

  constructor(private readonly deps: OperatorClientDeps) {}

  /** Where each operator's discovery stands, for /readyz. */
  discoveryStatus(): Record<string, DiscoveryState> {
    return Object.fromEntries(this.deps.operators.map((op) => [op.id, this.discoveryStates.get(op.id) ?? 'not_loaded']));
  }

  /** Loads the discovery of every operator not loaded or loading; resolves when each has loaded or failed. */
  async warmUp(): Promise<void> {
    await Promise.all(this.deps.operators.map((op) => this.configuration(op).catch(() => undefined)));
  }

  route(phoneNumber: string): OperatorConfig | undefined {
    return routeToOperator(this.deps.operators, phoneNumber);
  }

  byId(id: string): OperatorConfig | undefined {
    return this.deps.operators.find((op) => op.id === id);
  }

  /**
   * The authorization request: response_type=code, scope, login_hint, state, nonce, PKCE S256 and the exact
   * redirect_uri. `prompt=none` only when the operator's configuration asks for it.
   * @see OpenID Connect Core §3.1.2.1, RFC 7636, CAMARA Number Verification "The Authentication Request"
   */
  async authorizationUrl(operator: OperatorConfig, input: { phoneNumber: string; state: string; nonce: string; codeVerifier: string }): Promise<URL> {
    const config = await this.configuration(operator);
    const params: Record<string, string> = {
      response_type: 'code',
      redirect_uri: this.deps.redirectUri,
      scope: operator.scope,
      login_hint: operator.loginHintFormat === 'tel' ? `tel:${input.phoneNumber}` : input.phoneNumber,
      state: input.state,
      code_challenge: pkceChallenge(input.codeVerifier),
      code_challenge_method: 'S256',
    };
    if (operator.idToken) params.nonce = input.nonce;
    if (operator.prompt) params.prompt = operator.prompt;
    return client.buildAuthorizationUrl(config, params);
  }

  /**
   * Exchanges the code from the callback for an access token. openid-client checks state, iss (RFC 9207,
   * when the operator advertises it), the ID token's iss/aud/exp/nonce, and sends the PKCE verifier;
   * non-repudiation checks add the ID token signature against the operator's JWKS.
   */
  async exchangeCode(operator: OperatorConfig, callbackQuery: URLSearchParams, auth: AuthorizationState): Promise<string> {
    const config = await this.configuration(operator);
    const currentUrl = new URL(this.deps.redirectUri);
    currentUrl.search = callbackQuery.toString();
    try {
      const tokens = await this.timed(operator, 'token', () =>
        client.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: auth.codeVerifier,
          expectedState: auth.state,
          ...(operator.idToken ? { expectedNonce: auth.nonce, idTokenExpected: true } : {}),
        }),
      );
      return tokens.access_token;
    } catch (err) {
      throw toOperatorFailure(err, 'token_exchange_failed');
    }
  }

  async isNumberOnDevice(operator: OperatorConfig, accessToken: string, phoneNumber: string, correlator: string): Promise<boolean> {
    return this.timed(operator, 'verify', () =>
      isNumberOnDevice(this.deps.http, operator, {
        accessToken,
        phoneNumber,
        correlator,
        timeoutMs: operator.timeoutMs ?? this.deps.timeoutMs,
      }),
    );
  }

  private configuration(operator: OperatorConfig): Promise<client.Configuration> {
    let pending = this.configurations.get(operator.id);
    if (!pending) {
      pending = this.discover(operator);
      this.configurations.set(operator.id, pending);
      // a retry after a failure stays `failed` until it succeeds
      if (this.discoveryStates.get(operator.id) !== 'failed') this.discoveryStates.set(operator.id, 'loading');
      pending.then(
        () => this.discoveryStates.set(operator.id, 'loaded'),
        () => {
          this.configurations.delete(operator.id);
          this.discoveryStates.set(operator.id, 'failed');
        },
      );
    }
    return pending.catch((err) => {
      throw toOperatorFailure(err, 'operator_unavailable');
    });
  }

  private async discover(operator: OperatorConfig): Promise<client.Configuration> {
    const key = await this.signingKey(operator);
    const clientAuth = clientAuthFor(operator, key);
    const timeoutSeconds = Math.max(1, Math.ceil((operator.timeoutMs ?? this.deps.timeoutMs) / 1000));
    const insecure = operator.allowInsecureHttp || LOOPBACK.test(new URL(operator.issuer).hostname);
    const metadata = { redirect_uris: [this.deps.redirectUri] };
    let config: client.Configuration;
    if (operator.metadata) {
      config = new client.Configuration(operator.metadata, operator.clientId, metadata, clientAuth);
      if (insecure) client.allowInsecureRequests(config);
    } else {
      config = await this.timed(operator, 'discovery', () =>
        client.discovery(new URL(operator.issuer), operator.clientId, metadata, clientAuth, {
          timeout: timeoutSeconds,
          ...(insecure && { execute: [client.allowInsecureRequests] }),
        }),
      );
    }
    config.timeout = timeoutSeconds;
    if (operator.idToken && config.serverMetadata().jwks_uri) client.enableNonRepudiationChecks(config);
    return config;
  }

  /** runs one call to the operator, recording how long it took and how it ended */
  private async timed<T>(operator: OperatorConfig, endpoint: OperatorEndpoint, call: () => Promise<T>): Promise<T> {
    const start = performance.now();
    const record = (outcome: 'ok' | 'error' | 'timeout') => this.deps.metrics?.operatorCall(operator.id, endpoint, (performance.now() - start) / 1000, outcome);
    try {
      const result = await call();
      record('ok');
      return result;
    } catch (err) {
      record(toOperatorFailure(err, 'operator_unavailable').reason === 'operator_timeout' ? 'timeout' : 'error');
      throw err;
    }
  }

  private async signingKey(operator: OperatorConfig): Promise<SigningKey> {
    if (!operator.privateKeyFile) return this.deps.keys.active('client-assertion');
    const alg = operator.clientAuth === 'vonage_bearer' ? 'RS256' : 'ES256';
    const privateKey = (await jose.importPKCS8(readFileSync(operator.privateKeyFile, 'utf8'), alg)) as CryptoKey;
    return { kid: `${operator.id}-key`, alg, privateKey };
  }
}

/** openid-client errors become fallback reasons; a timeout is told apart because users feel it differently. */
function toOperatorFailure(err: unknown, reason: 'token_exchange_failed' | 'operator_unavailable'): OperatorFailure {
  if (err instanceof OperatorFailure) return err;
  const e = err as { name?: string; code?: string; message?: string; error?: string; cause?: { name?: string } };
  if (e.name === 'TimeoutError' || e.cause?.name === 'TimeoutError' || e.name === 'AbortError') {
    return new OperatorFailure('operator_timeout', 'the operator did not answer in time', {}, { cause: err });
  }
  const detail: Record<string, string> = {};
  if (e.code) detail.check = e.code;
  if (e.error) detail.operatorCode = e.error;
  // a response that fails validation (iss mix-up, state, ID token signature or claims) is an attack or a
  // broken operator, not a network condition: the callback is refused
  const invalid = e.code === 'OAUTH_INVALID_RESPONSE' || e.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' || e.code === 'OAUTH_JWS_SIGNATURE_VERIFICATION_FAILED';
  return new OperatorFailure(invalid ? 'invalid_operator_response' : reason, e.message ?? 'operator request failed', detail, { cause: err });
}

/** RFC 7636 S256: node:crypto's synchronous hash costs ~5 µs against ~36 µs for WebCrypto (bench/breakdown.js) */
function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier).digest('base64url');
}
