import * as client from 'openid-client';
import type * as jose from 'jose';
import { serverMetadataOf } from './server-metadata.js';
import type { OperatorConfig, TelcoFinderConfig } from '../config/index.js';
import { knownMetadataOf } from '../config/operator-metadata.js';
import type { KeyRing, SigningKey } from '../keys/key-ring.js';
import type { Metrics, OperatorEndpoint } from '../metrics/index.js';
import { authorizationParams, newAuthState, type OperatorAuthState } from './authorization-request.js';
import { buildOperatorAuthorizationUrl, pushes } from './authorization-url.js';
import { cibaGrant } from './ciba.js';
import { clientAuthFor } from './client-auth.js';
import { newDPoPKey, type DPoPKey } from './dpop.js';
import { OperatorFailure } from './failure.js';
import { LeanHttp } from './lean-http.js';
import { jwtBearerGrant } from './jwt-bearer.js';
import { isNumberOnDevice } from './number-verification.js';
import { OPERATOR_TOKEN_PREFIX, tokenAcquisitionOf } from './operator-token.js';
import { fetchCredentialAuthorization, requestParametersScope, VP_TOKEN_PREFIX, type DigitalCredentialSettings } from './credential-request.js';
import { candidatesOf, routeToOperator } from './routing.js';
import { TelcoFinder } from './telco-finder.js';
import type { KeyValueStore } from '../store/store.js';
import { signingKeyFor } from './signing-key.js';
import { IdTokenSignatures } from './id-token-signature.js';
import { checkNumberRecycling, NUMBER_RECYCLING_SCOPE } from './number-recycling.js';
import { checkSimSwap, SIM_SWAP_CHECK_SCOPE } from './sim-swap.js';

export interface OperatorClientDeps {
  operators: readonly OperatorConfig[];
  keys: KeyRing;
  /** exactly the redirect_uri registered with every operator: PUBLIC_URL/callback */
  redirectUri: string;
  /** each call to an operator (discovery, JWKS, token, Number Verification), unless the operator sets its own */
  timeoutMs: number;
  /** times every call to an operator, by operator and endpoint */
  metrics?: Pick<Metrics, 'operatorCall'>;
  /** BROKER_CONFIG's telcoFinder, with the store's key-value space its answers are cached in (telco-finder.ts) */
  telcoFinder?: { config: TelcoFinderConfig; keyValue: KeyValueStore; warn?: (detail: Record<string, unknown>, message: string) => void };
}

/** loading: first attempt under way; failed: the last attempt failed, tried again on the next verification or warmUp */
export type DiscoveryState = 'not_loaded' | 'loading' | 'loaded' | 'failed';

export type { OperatorAuthState } from './authorization-request.js';

/** What the token endpoint gave; `dpop`: bound to the broker's DPoP key (RFC 9449), so calls carry a proof. */
export interface OperatorAccessToken {
  value: string;
  dpop: boolean;
  /** the scope granted, as the token endpoint said (or as asked, when it did not say: RFC 6749 §5.1) */
  scope?: string;
}

/**
 * A fraud signal's answer (issue 17). `unknown` when it could not be had: no token, timeout, 5xx, 403/404/422
 * (not supported, not found, not applicable); `failure` says why, for the event. `token`: which kind was used.
 */
export interface SignalAnswer<Status extends string> {
  status: Status | 'unknown';
  token: '2-legged' | '3-legged';
  failure?: { reason: string; operatorCode?: string };
}

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
  private readonly idTokenSignatures = new IdTokenSignatures();
  /** one DPoP key per operator for this process (dpop.ts says why that is enough) */
  private readonly dpopKeys = new Map<string, Promise<DPoPKey>>();
  /** client-credentials tokens per operator and scope (clientCredentialsToken) */
  private readonly clientTokens = new Map<string, { token: OperatorAccessToken; expiresAt: number }>();
  private readonly finder?: TelcoFinder;

  constructor(private readonly deps: OperatorClientDeps) {
    const tf = deps.telcoFinder;
    if (tf) {
      // one lookup delays every start: bounded below the operator timeout unless configured
      const timeoutMs = tf.config.timeoutMs ?? Math.min(deps.timeoutMs, 2000);
      this.finder = new TelcoFinder({ ...tf, operators: deps.operators, http: this.http, keys: deps.keys, timeoutMs, metrics: deps.metrics });
    }
  }

  /**
   * openid-client checked the ID token's claims; its signature is checked here against the operator's JWKS, for an
   * operator whose ID tokens the broker asks for and that publishes a JWKS (id-token-signature.ts).
   */
  private async checkIdTokenSignature(operator: OperatorConfig, config: client.Configuration, idToken: string): Promise<void> {
    const uri = serverMetadataOf(config).jwks_uri;
    if (!operator.idToken || !uri) return;
    await this.idTokenSignatures.check({ uri, allowHttp: insecureAllowed(operator), fetch: () => this.jwksFetch(operator) }, idToken);
  }

  /** jose's fetch of a JWKS over the operator's lean fetch (bounded in time and size like every operator call) */
  private jwksFetch(operator: OperatorConfig): jose.FetchImplementation {
    const fetch = this.http.fetchWithin(this.timeoutMs(operator));
    return (url, options) => {
      const headers: Record<string, string> = {};
      options.headers.forEach((value, name) => (headers[name] = value));
      return fetch(url, { ...options, headers, body: undefined });
    };
  }

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

  /** Prefix routing alone (synchronous); verifications use `resolve`. */
  route(phoneNumber: string): OperatorConfig | undefined {
    return routeToOperator(this.deps.operators, phoneNumber);
  }

  /** The operator that serves the number today (resolve's first candidate), for calls that go to one operator. */
  async serving(phoneNumber: string): Promise<OperatorConfig | undefined> {
    return (await this.resolve(phoneNumber))[0];
  }

  /**
   * The operators that may serve the number, best first: Telco Finder's answer (when configured and it
   * answers in time), then the prefix match (routing.ts). Never throws; empty means SMS.
   */
  async resolve(phoneNumber: string): Promise<OperatorConfig[]> {
    const found = await this.finder?.operatorFor(phoneNumber);
    return candidatesOf(found, this.route(phoneNumber));
  }

  /** Whether a mismatch at the first candidate may be followed by one attempt at the next (telcoFinder.secondAttempt). */
  get secondAttempt(): boolean {
    return this.finder?.secondAttempt ?? false;
  }

  /** A configured operator by id. */
  byId(id: string): OperatorConfig | undefined {
    return this.deps.operators.find((op) => op.id === id);
  }

  /** A configured operator, or one Telco Finder found (on this instance or another), by the id a verification recorded. */
  async find(id: string): Promise<OperatorConfig | undefined> {
    return this.byId(id) ?? (await this.finder?.operatorById(id));
  }

  /**
   * Starts an authorization at the operator: fresh state, nonce and PKCE verifier, and the URL the device
   * must open. `authState` is what completeAuthorization needs back; keep it as it is until the callback.
   * @see OpenID Connect Core §3.1.2.1, RFC 7636, CAMARA Number Verification "The Authentication Request"
   */
  async beginAuthorization(operator: OperatorConfig, phoneNumber: string): Promise<{ url: string; authState: OperatorAuthState }> {
    const authState = newAuthState(operator.id);
    const url = await this.buildAuthorizationUrl(withSimSwapScope(operator), phoneNumber, authState);
    return { url: url.href, authState };
  }

  /**
   * Exchanges the code from the callback for an access token. openid-client checks state, iss (RFC 9207,
   * when the operator advertises it), the ID token's iss/aud/exp/nonce, and sends the PKCE verifier;
   * the ID token's signature is then checked against the operator's JWKS (id-token-signature.ts).
   * Failures are OperatorFailure: invalid_operator_response, operator_timeout, operator_unavailable or
   * token_exchange_failed.
   */
  async completeAuthorization(operator: OperatorConfig, callbackQuery: URLSearchParams, authState: OperatorAuthState): Promise<OperatorAccessToken> {
    const config = await this.configuration(operator);
    const currentUrl = new URL(this.deps.redirectUri);
    currentUrl.search = callbackQuery.toString();
    try {
      // with `dpop`, openid-client adds the proof and retries once on use_dpop_nonce
      const dpop = operator.dpop ? await this.dpopKey(operator, config) : undefined;
      const tokens = await this.timed(operator, 'token', () =>
        client.authorizationCodeGrant(
          config,
          currentUrl,
          {
            pkceCodeVerifier: authState.codeVerifier,
            expectedState: authState.state,
            ...(operator.idToken ? { expectedNonce: authState.nonce, idTokenExpected: true } : {}),
          },
          undefined,
          dpop && { DPoP: dpop.handle },
        ),
      );
      if (tokens.id_token) await this.checkIdTokenSignature(operator, config, tokens.id_token);
      // an operator without DPoP support answers with a bearer token (CAMARA allows it): it is then used as one
      const scope = tokens.scope ?? withSimSwapScope(operator).scope;
      return { value: tokens.access_token, dpop: Boolean(dpop) && tokens.token_type?.toLowerCase() === 'dpop', scope };
    } catch (err) {
      throw toOperatorFailure(err, 'token_exchange_failed');
    }
  }

  /**
   * An access token for the subscriber behind an operator token (TS.43) the app obtained, without a device
   * redirect: CIBA poll mode (ciba.ts) or the JWT-bearer grant (jwt-bearer.ts), as the operator's
   * `tokenAcquisition` says. Failures are OperatorFailure (access_denied when the operator refuses the token).
   */
  async accessTokenForOperatorToken(operator: OperatorConfig, operatorToken: string): Promise<OperatorAccessToken> {
    const mode = tokenAcquisitionOf(operator);
    if (mode === 'authorization_code') throw new OperatorFailure('token_exchange_failed', 'this operator takes no operator token');
    const config = await this.configuration(operator);
    const timeoutMs = this.timeoutMs(operator);
    try {
      if (mode === 'ciba') return { value: await this.timed(operator, 'token', () => cibaGrant(config, operator, operatorToken, timeoutMs, (idToken) => this.checkIdTokenSignature(operator, config, idToken))), dpop: false };
      const key = await this.requiredSigningKey(operator, 'the JWT-bearer grant');
      const tokenEndpoint = serverMetadataOf(config).token_endpoint!;
      const value = await this.timed(operator, 'token', () =>
        jwtBearerGrant(this.http, { tokenEndpoint, clientId: operator.clientId, scope: operator.scope, subject: `${OPERATOR_TOKEN_PREFIX}${operatorToken}`, key, timeoutMs }),
      );
      return { value, dpop: false };
    } catch (err) {
      throw toOperatorFailure(err, 'token_exchange_failed');
    }
  }

  /**
   * The aggregator's signed `credential_authorization_jwt` for a TS.43 credential request bound to `nonce` (issue 18,
   * credential-request.ts), asked with a client-credentials token. Failures are OperatorFailure.
   */
  async credentialAuthorization(operator: OperatorConfig & { digitalCredential: DigitalCredentialSettings }, nonce: string, correlator: string): Promise<string> {
    const token = await this.clientCredentialsToken(operator, requestParametersScope(operator));
    return this.timed(operator, 'credential_request', () =>
      fetchCredentialAuthorization(this.http, operator, { accessToken: token.value, nonce, correlator, timeoutMs: this.timeoutMs(operator) }),
    );
  }

  /**
   * An access token for the subscriber whose carrier credential was presented (issue 18): the JWT-bearer grant with
   * `sub=vp_token:<SD-JWT>` (CAMARA operator-token acquisition draft; follows a draft, may change), the broker's
   * signed assertion being the client authentication. The aggregator refusing the presentation (invalid_grant) is
   * `credential_refused`; other failures keep their reasons.
   */
  async accessTokenForPresentation(operator: OperatorConfig, presentation: string): Promise<OperatorAccessToken> {
    const config = await this.configuration(operator);
    const key = await this.requiredSigningKey(operator, 'the JWT-bearer grant');
    const tokenEndpoint = serverMetadataOf(config).token_endpoint!;
    try {
      const value = await this.timed(operator, 'token', () =>
        jwtBearerGrant(this.http, { tokenEndpoint, clientId: operator.clientId, scope: operator.scope, subject: `${VP_TOKEN_PREFIX}${presentation}`, key, timeoutMs: this.timeoutMs(operator) }),
      );
      return { value, dpop: false };
    } catch (err) {
      const failure = toOperatorFailure(err, 'token_exchange_failed');
      if (failure.reason !== 'access_denied') throw failure;
      throw new OperatorFailure('credential_refused', 'the aggregator refused the presentation', failure.detail, { cause: err });
    }
  }

  async isNumberOnDevice(operator: OperatorConfig, accessToken: OperatorAccessToken, phoneNumber: string, correlator: string): Promise<boolean> {
    const dpop = accessToken.dpop ? await this.dpopKeys.get(operator.id) : undefined;
    return this.timed(operator, 'verify', () =>
      isNumberOnDevice(this.http, operator, {
        accessToken: accessToken.value,
        dpop,
        phoneNumber,
        correlator,
        timeoutMs: this.timeoutMs(operator),
      }),
    );
  }

  /**
   * A 2-legged access token (client credentials, RFC 6749 §4.4) for the operator's APIs that take the number in
   * the request (SIM Swap, Number Recycling, One Time Password SMS), authenticated as at the token endpoint
   * (private_key_jwt by default). Tokens are kept per operator and scope until shortly before they expire: these
   * APIs are called on every start, and a token per call would double the operator round trips.
   * Failures are OperatorFailure (operator_timeout, operator_unavailable, token_exchange_failed).
   */
  async clientCredentialsToken(operator: OperatorConfig, scope: string): Promise<OperatorAccessToken> {
    const key = `${operator.id} ${scope}`;
    const cached = this.clientTokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    const config = await this.configuration(operator);
    try {
      const tokens = await this.timed(operator, 'token', () => client.clientCredentialsGrant(config, { scope }));
      const token: OperatorAccessToken = { value: tokens.access_token, dpop: false };
      // a minute early, so a token never expires between the cache and the operator
      const lifetimeMs = Math.max(0, ((tokens.expires_in ?? 300) - 60) * 1000);
      if (lifetimeMs > 0) this.clientTokens.set(key, { token, expiresAt: Date.now() + lifetimeMs });
      return token;
    } catch (err) {
      throw toOperatorFailure(err, 'token_exchange_failed');
    }
  }

  /** What the operator advertises (discovery, or the metadata given by hand), for `npm run operators -- check`. */
  async serverMetadata(operator: OperatorConfig): Promise<client.ServerMetadata> {
    return (await this.configuration(operator)).serverMetadata();
  }

  /** The key the operator's client assertion is signed with (none for client secrets). */
  signingKey(operator: OperatorConfig): Promise<SigningKey | undefined> {
    return signingKeyFor(operator, this.deps.keys);
  }

  /**
   * CAMARA SIM Swap `POST /check`: was the line's SIM changed within `maxAgeHours`? With `accessToken` (the
   * Number Verification authorization's, when it granted `sim-swap:check`) the token names the line; otherwise a
   * client-credentials token is used and `phoneNumber` is sent (the spec's identifier rules). Never throws: any
   * failure is `unknown`.
   */
  async checkSimSwap(
    operator: OperatorConfig,
    input: { phoneNumber: string; maxAgeHours: number; correlator: string; accessToken?: OperatorAccessToken },
  ): Promise<SignalAnswer<'swapped' | 'not_swapped'>> {
    const threeLegged = input.accessToken !== undefined && grants(input.accessToken, SIM_SWAP_CHECK_SCOPE);
    return this.askSignal(threeLegged, async () => {
      const token = threeLegged ? input.accessToken! : await this.clientCredentialsToken(operator, SIM_SWAP_CHECK_SCOPE);
      const swapped = await this.timed(operator, 'sim_swap', async () => checkSimSwap(this.http, operator, {
        accessToken: token.value,
        dpop: token.dpop ? await this.dpopKeys.get(operator.id) : undefined,
        ...(!threeLegged && { phoneNumber: input.phoneNumber }),
        maxAgeHours: input.maxAgeHours,
        correlator: input.correlator,
        timeoutMs: this.timeoutMs(operator),
      }));
      return swapped ? 'swapped' : 'not_swapped';
    });
  }

  /**
   * CAMARA Number Recycling `POST /check`: did the number's subscriber change after `since` (YYYY-MM-DD)? With a
   * client-credentials token, `phoneNumber` sent. Never throws: any failure is `unknown`.
   */
  async checkNumberRecycling(operator: OperatorConfig, input: { phoneNumber: string; since: string; correlator: string }): Promise<SignalAnswer<'recycled' | 'not_recycled'>> {
    return this.askSignal(false, async () => {
      const token = await this.clientCredentialsToken(operator, NUMBER_RECYCLING_SCOPE);
      const recycled = await this.timed(operator, 'number_recycling', async () => checkNumberRecycling(this.http, operator, {
        accessToken: token.value,
        phoneNumber: input.phoneNumber,
        specifiedDate: input.since,
        correlator: input.correlator,
        timeoutMs: this.timeoutMs(operator),
      }));
      return recycled ? 'recycled' : 'not_recycled';
    });
  }

  /** a fraud signal's call: its answer, or `unknown` with the reason (a signal never fails a verification by crashing) */
  private async askSignal<Status extends string>(threeLegged: boolean, ask: () => Promise<Status>): Promise<SignalAnswer<Status>> {
    const token = threeLegged ? '3-legged' : '2-legged';
    try {
      return { status: await ask(), token };
    } catch (err) {
      const failure = err instanceof OperatorFailure ? err : toOperatorFailure(err, 'operator_unavailable');
      const operatorCode = failure.detail.operatorCode;
      return { status: 'unknown', token, failure: { reason: failure.reason, ...(operatorCode !== undefined && { operatorCode: String(operatorCode) }) } };
    }
  }

  /** Closes the pooled connections to operators (at shutdown). */
  close(): void {
    this.http.close();
  }

  /** plain, signed (JAR) or pushed (PAR), as the operator's configuration and metadata ask (authorization-url.ts) */
  private async buildAuthorizationUrl(operator: OperatorConfig, phoneNumber: string, auth: Pick<OperatorAuthState, 'state' | 'nonce' | 'codeVerifier'>): Promise<URL> {
    const config = await this.configuration(operator);
    const params = authorizationParams(operator, { redirectUri: this.deps.redirectUri, phoneNumber, auth });
    try {
      // a pushed request (PAR) is an operator call of its own; a plain or signed URL costs no round trip
      const build = () => buildOperatorAuthorizationUrl(config, operator, params, () => this.requiredSigningKey(operator, 'a signed authorization request'));
      return await (pushes(operator, serverMetadataOf(config)) ? this.timed(operator, 'par', build) : build());
    } catch (err) {
      throw toOperatorFailure(err, 'operator_unavailable');
    }
  }

  /** the signing key, for what cannot be done with a client secret (a request object, a JWT-bearer assertion) */
  private async requiredSigningKey(operator: OperatorConfig, what: string): Promise<SigningKey> {
    const key = await this.signingKey(operator);
    if (!key) throw new OperatorFailure('operator_error', `${what} needs a signing key; operator ${operator.id} authenticates with a client secret`);
    return key;
  }

  private dpopKey(operator: OperatorConfig, config: client.Configuration): Promise<DPoPKey> {
    let key = this.dpopKeys.get(operator.id);
    if (!key) {
      key = newDPoPKey(config);
      this.dpopKeys.set(operator.id, key);
    }
    return key;
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
    const insecure = insecureAllowed(operator);
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
    if (this.finder?.isFound(operator)) this.checkFoundEndpoints(operator, serverMetadataOf(config));
    return config;
  }

  /**
   * An operator Telco Finder found was checked by its issuer's host; its discovery could still name endpoints
   * elsewhere (the token endpoint gets our client assertion, the authorization endpoint the user's number).
   */
  private checkFoundEndpoints(operator: OperatorConfig, metadata: client.ServerMetadata): void {
    const urls = Object.entries(metadata).filter(([name, value]) => typeof value === 'string' && (name.endsWith('_endpoint') || name === 'jwks_uri'));
    const refused = urls.filter(([, url]) => !this.finder!.isAllowedUrl(url as string)).map(([name]) => name);
    if (refused.length) {
      throw new OperatorFailure('invalid_operator_response', 'a found operator names endpoints outside telcoFinder.allowedHosts', { check: refused.join(',').slice(0, 120), operator: operator.id });
    }
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

/** The operator as its authorization request asks: `sim-swap:check` added to its scope when `simSwapScope` says so. */
function withSimSwapScope(operator: OperatorConfig): OperatorConfig {
  if (!operator.simSwapScope || grants({ scope: operator.scope }, SIM_SWAP_CHECK_SCOPE)) return operator;
  return { ...operator, scope: `${operator.scope} ${SIM_SWAP_CHECK_SCOPE}` };
}

/** an operator reached over plain http: allowed in its configuration, or on loopback (the sandbox, tests) */
function insecureAllowed(operator: OperatorConfig): boolean {
  return operator.allowInsecureHttp || LOOPBACK.test(new URL(operator.issuer).hostname);
}

/** Whether a token's scope allows `scope` (SIM Swap's API-wide `sim-swap` allows `sim-swap:check` too). */
function grants(token: Pick<OperatorAccessToken, 'scope'>, scope: string): boolean {
  const granted = token.scope?.split(' ') ?? [];
  return granted.includes(scope) || (scope.startsWith('sim-swap:') && granted.includes('sim-swap'));
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
