import * as client from 'openid-client';
import type { OperatorConfig } from '../config/index.js';
import { knownMetadataOf } from '../config/operator-metadata.js';
import type { KeyRing, SigningKey } from '../keys/key-ring.js';
import type { Metrics, OperatorEndpoint } from '../metrics/index.js';
import { authorizationParams, newAuthState, type OperatorAuthState } from './authorization-request.js';
import { clientAuthFor } from './client-auth.js';
import { OperatorFailure } from './failure.js';
import { LeanHttp } from './lean-http.js';
import { isNumberOnDevice } from './number-verification.js';
import { routeToOperator } from './routing.js';
import { signingKeyFor } from './signing-key.js';

export interface OperatorClientDeps {
  operators: readonly OperatorConfig[];
  keys: KeyRing;
  /** exactly the redirect_uri registered with every operator: PUBLIC_URL/callback */
  redirectUri: string;
  /** each call to an operator (discovery, JWKS, token, Number Verification), unless the operator sets its own */
  timeoutMs: number;
  /** times every call to an operator, by operator and endpoint */
  metrics?: Pick<Metrics, 'operatorCall'>;
}

/** loading: first attempt under way; failed: the last attempt failed, tried again on the next verification or warmUp */
export type DiscoveryState = 'not_loaded' | 'loading' | 'loaded' | 'failed';

export type { OperatorAuthState } from './authorization-request.js';

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\])$/;

/**
 * The broker's side of the operator's OIDC flow and Number Verification API, for every configured operator.
 * openid-client holds the protocol rules (PKCE, state, nonce, iss per RFC 9207, ID token claims); we add the
 * ID token signature check against the operator's JWKS and the CAMARA client assertion.
 *
 * Everything OIDC stays here: callers get an opaque `authState` from beginAuthorization, keep it, and hand
 * it back to completeAuthorization, so an operator dialect that is not plain OIDC changes only this folder.
 * Every call to an operator goes through one LeanHttp (keep-alive, bounded in time and size, no redirects).
 */
export class OperatorClient {
  /** discovery results, per operator; a failed discovery is retried on the next verification */
  private readonly configurations = new Map<string, Promise<client.Configuration>>();
  private readonly discoveryStates = new Map<string, DiscoveryState>();
  private readonly http = new LeanHttp();

  constructor(private readonly deps: OperatorClientDeps) {}

  /** Where each operator's discovery stands, for /readyz. */
  discoveryStatus(): Record<string, DiscoveryState> {
    return Object.fromEntries(this.deps.operators.map((op) => [op.id, this.discoveryStates.get(op.id) ?? 'not_loaded']));
  }

  /** Loads the discovery of every operator not loaded or loading; resolves when each has loaded or failed. */
  async warmUp(): Promise<void> {
    await Promise.all(this.deps.operators.map((op) => this.configuration(op).catch(() => undefined)));
  }

  /** Whether the operator's discovery loads (or has loaded): loads it when needed, within the operator timeout. */
  async isAvailable(operator: OperatorConfig): Promise<boolean> {
    return this.configuration(operator).then(
      () => true,
      () => false,
    );
  }

  route(phoneNumber: string): OperatorConfig | undefined {
    return routeToOperator(this.deps.operators, phoneNumber);
  }

  byId(id: string): OperatorConfig | undefined {
    return this.deps.operators.find((op) => op.id === id);
  }

  /**
   * Starts an authorization at the operator: fresh state, nonce and PKCE verifier, and the URL the device
   * must open. `authState` is what completeAuthorization needs back; keep it as it is until the callback.
   * @see OpenID Connect Core §3.1.2.1, RFC 7636, CAMARA Number Verification "The Authentication Request"
   */
  async beginAuthorization(operator: OperatorConfig, phoneNumber: string): Promise<{ url: string; authState: OperatorAuthState }> {
    const authState = newAuthState(operator.id);
    const url = await this.buildAuthorizationUrl(operator, phoneNumber, authState);
    return { url: url.href, authState };
  }

  /**
   * Exchanges the code from the callback for an access token. openid-client checks state, iss (RFC 9207,
   * when the operator advertises it), the ID token's iss/aud/exp/nonce, and sends the PKCE verifier;
   * non-repudiation checks add the ID token signature against the operator's JWKS.
   * Failures are OperatorFailure: invalid_operator_response, operator_timeout, operator_unavailable or
   * token_exchange_failed.
   */
  async completeAuthorization(operator: OperatorConfig, callbackQuery: URLSearchParams, authState: OperatorAuthState): Promise<string> {
    const config = await this.configuration(operator);
    const currentUrl = new URL(this.deps.redirectUri);
    currentUrl.search = callbackQuery.toString();
    try {
      const tokens = await this.timed(operator, 'token', () =>
        client.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: authState.codeVerifier,
          expectedState: authState.state,
          ...(operator.idToken ? { expectedNonce: authState.nonce, idTokenExpected: true } : {}),
        }),
      );
      return tokens.access_token;
    } catch (err) {
      throw toOperatorFailure(err, 'token_exchange_failed');
    }
  }

  async isNumberOnDevice(operator: OperatorConfig, accessToken: string, phoneNumber: string, correlator: string): Promise<boolean> {
    return this.timed(operator, 'verify', () =>
      isNumberOnDevice(this.http, operator, {
        accessToken,
        phoneNumber,
        correlator,
        timeoutMs: this.timeoutMs(operator),
      }),
    );
  }

  /** What the operator advertises (discovery, or the metadata given by hand), for `npm run operators -- check`. */
  async serverMetadata(operator: OperatorConfig): Promise<client.ServerMetadata> {
    return (await this.configuration(operator)).serverMetadata();
  }

  /** The key the operator's client assertion is signed with (none for client secrets). */
  signingKey(operator: OperatorConfig): Promise<SigningKey | undefined> {
    return signingKeyFor(operator, this.deps.keys);
  }

  /** Closes the pooled connections to operators (at shutdown). */
  close(): void {
    this.http.close();
  }

  private async buildAuthorizationUrl(operator: OperatorConfig, phoneNumber: string, auth: Pick<OperatorAuthState, 'state' | 'nonce' | 'codeVerifier'>): Promise<URL> {
    const config = await this.configuration(operator);
    return client.buildAuthorizationUrl(config, authorizationParams(operator, { redirectUri: this.deps.redirectUri, phoneNumber, auth }));
  }

  private timeoutMs(operator: OperatorConfig): number {
    return operator.timeoutMs ?? this.deps.timeoutMs;
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
    // the lean fetch holds each call to the exact bound; openid-client's own timeout counts whole seconds
    const timeoutSeconds = Math.max(1, Math.ceil(this.timeoutMs(operator) / 1000));
    const fetch = this.http.fetchWithin(this.timeoutMs(operator));
    const insecure = operator.allowInsecureHttp || LOOPBACK.test(new URL(operator.issuer).hostname);
    // an operator whose metadata does not list its ID-token alg says it here (else openid-client expects RS256)
    const metadata = { redirect_uris: [this.deps.redirectUri], ...(operator.idTokenSigningAlg && { id_token_signed_response_alg: operator.idTokenSigningAlg }) };
    let config: client.Configuration;
    if (operator.metadata) {
      config = new client.Configuration(knownMetadataOf(operator.metadata) as client.ServerMetadata, operator.clientId, metadata, clientAuth);
      if (insecure) client.allowInsecureRequests(config);
    } else {
      config = await this.timed(operator, 'discovery', () =>
        client.discovery(new URL(operator.issuer), operator.clientId, metadata, clientAuth, {
          [client.customFetch]: fetch,
          timeout: timeoutSeconds,
          ...(insecure && { execute: [client.allowInsecureRequests] }),
        }),
      );
    }
    // token and JWKS requests too; their bound is the lean fetch's, so openid-client's own AbortSignal.timeout
    // per call (a timer and a signal, ~1% of a silent verification in profiles) is switched off
    config[client.customFetch] = fetch;
    config.timeout = 0;
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
