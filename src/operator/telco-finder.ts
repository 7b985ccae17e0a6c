import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { z } from 'zod';
import type { OperatorConfig, TelcoFinderConfig } from '../config/index.js';
import { operatorSchema } from '../config/operators.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { Metrics, OperatorEndpoint } from '../metrics/index.js';
import type { KeyValueStore } from '../store/store.js';
import type { LeanHttp } from './lean-http.js';
import { privateKeyJwt } from './client-auth.js';

/** the operator label of Telco Finder calls in broker_operator_request_duration_seconds */
export const TELCO_FINDER_METRIC = 'telco-finder';
const SEARCH_PATH = '/telco-finder/v1/search';
const OIDC_DISCOVERY_SUFFIX = '/.well-known/openid-configuration';
const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\])$/;
/** a found operator's answer stays readable this long for the callback of a verification it started (any instance) */
const FOUND_OPERATOR_TTL_MS = 2 * 3600 * 1000;

/** What Telco Finder says about a number: the operator serving it, its API root and its OIDC issuer. */
export interface TelcoFinderAnswer {
  operatorId: string;
  apiRoot?: string;
  /** from authProviderConfiguration (the operator's OIDC discovery URL) without its /.well-known suffix */
  issuer?: string;
}

/**
 * The search answer. The GSMA Open Gateway "Routing / Telco Finder" description (telco-finder.yaml) has
 * `POST /telco-finder/v1/search {"target": {"phoneNumber": "+E164"}, "includeApiRoot": true,
 * "includeAuthProviderConfiguration": true}` answer `{"operatorId", "apiRoot", "authProviderConfiguration":
 * "https://auth.operator.com/.well-known/openid-configuration"}`, behind client credentials with private_key_jwt.
 */
const searchAnswerSchema = z.object({
  operatorId: z.string().min(1).max(128),
  apiRoot: z.string().max(2048).optional(),
  authProviderConfiguration: z.string().max(2048).optional(),
});

export interface TelcoFinderDeps {
  config: TelcoFinderConfig;
  /** the operators of BROKER_CONFIG (and the sandbox's): an answer naming one of them uses it as configured */
  operators: readonly OperatorConfig[];
  http: LeanHttp;
  keys: KeyRing;
  /** shared by instances: answers per number and the operators they named */
  keyValue: KeyValueStore;
  timeoutMs: number;
  metrics?: Pick<Metrics, 'operatorCall'>;
  warn?: (detail: Record<string, unknown>, message: string) => void;
}

/**
 * Which operator serves a number today, asked of a GSMA Open Gateway Telco Finder.
 *
 * Rules:
 * - one lookup (token and search) is bounded by `timeoutMs` as a whole; a timeout, an error or an answer
 *   that does not parse is no answer: the caller falls back to prefix routing, and nothing is cached;
 * - answers are cached in the store's key-value space (every instance shares them) for the answer's
 *   Cache-Control max-age, else `cacheSeconds`; a 404 (Telco Finder knows no operator) is cached the same way;
 *   no-store/no-cache/max-age=0 is not cached;
 * - the access token (client credentials, private_key_jwt with the broker's client-assertion key, as for
 *   operators) is kept in this process until 30 s before it expires; a 401 drops it;
 * - an answer naming an operator of BROKER_CONFIG (or a registration `{operator}`) uses that operator as
 *   configured; any other operatorId is built from the answer and its registration (or `*`), and only when
 *   both its apiRoot and its issuer are https (plain http only on loopback, for development) on a host of
 *   `allowedHosts`: a rogue or compromised Telco Finder must not make the broker send its client assertion, or
 *   the device the user's number, to a host of its choosing. The OIDC endpoints its discovery names are
 *   checked the same way (operator-client.ts), before any of them is used.
 */
export class TelcoFinder {
  private token?: { value: string; expiresAt: number };
  private tokenConfiguration?: Promise<client.Configuration>;
  /** operators built from answers, by broker id; the store has them too, for other instances */
  private readonly found = new Map<string, OperatorConfig>();

  constructor(private readonly deps: TelcoFinderDeps) {
    for (const [operatorId, registration] of Object.entries(deps.config.operators)) {
      if ('operator' in registration && !deps.operators.some((op) => op.id === registration.operator)) {
        throw new Error(`BROKER_CONFIG telcoFinder.operators.${operatorId}: no operator "${registration.operator}" is configured`);
      }
    }
  }

  get secondAttempt(): boolean {
    return this.deps.config.secondAttempt;
  }

  /** The operator Telco Finder names for the number, if it names one the broker may use; never throws. */
  async operatorFor(phoneNumber: string): Promise<OperatorConfig | undefined> {
    let answer: TelcoFinderAnswer | null;
    try {
      answer = await this.lookup(phoneNumber);
    } catch (err) {
      this.deps.warn?.({ err: (err as Error).message }, 'telco finder lookup failed; routing by prefix');
      return undefined;
    }
    return answer ? this.operatorOf(answer) : undefined;
  }

  /** An operator an answer named, by its broker id: for the callback, on this instance or another. */
  async operatorById(id: string): Promise<OperatorConfig | undefined> {
    const known = this.found.get(id);
    if (known || !id.startsWith('tf-')) return known;
    const stored = await this.deps.keyValue.get(foundKey(id));
    return stored ? this.operatorOf(JSON.parse(stored.toString('utf8')) as TelcoFinderAnswer) : undefined;
  }

  /** Whether a URL may be used for an operator Telco Finder found: https (http on loopback) on an allowed host. */
  isAllowedUrl(raw: string | undefined): boolean {
    if (!raw || !URL.canParse(raw)) return false;
    const url = new URL(raw);
    const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname));
    return secure && !url.username && !url.password && this.deps.config.allowedHosts.some((pattern) => hostMatches(pattern, url.hostname.toLowerCase()));
  }

  /** Whether this operator was built from a Telco Finder answer (its endpoints must stay on allowed hosts). */
  isFound(operator: OperatorConfig): boolean {
    return this.found.get(operator.id) === operator;
  }

  private operatorOf(answer: TelcoFinderAnswer): OperatorConfig | undefined {
    const { config, operators } = this.deps;
    const configured = operators.find((op) => op.id === answer.operatorId);
    const registration = config.operators[answer.operatorId] ?? (configured ? { operator: configured.id } : config.operators['*']);
    if (!registration) {
      this.deps.warn?.({ operatorId: answer.operatorId }, 'telco finder named an operator the broker has no registration with; routing by prefix');
      return undefined;
    }
    if ('operator' in registration) return operators.find((op) => op.id === registration.operator);
    if (!this.isAllowedUrl(answer.apiRoot) || !this.isAllowedUrl(answer.issuer)) {
      this.deps.warn?.({ operatorId: answer.operatorId }, 'telco finder answer refused: its apiRoot or issuer is not https on an allowed host (telcoFinder.allowedHosts)');
      return undefined;
    }
    const id = foundId(answer.operatorId);
    const previous = this.found.get(id);
    if (previous && previous.issuer === answer.issuer && previous.apiRoot === answer.apiRoot) return previous;
    // parsed like a configured operator, so its defaults are the same; never routed to by prefix
    const operator: OperatorConfig = { ...operatorSchema.parse({ ...registration, id, issuer: answer.issuer, apiRoot: answer.apiRoot, prefixes: ['+'] }), prefixes: [] };
    this.found.set(id, operator);
    void this.deps.keyValue.set(foundKey(id), Buffer.from(JSON.stringify(answer)), FOUND_OPERATOR_TTL_MS).catch(() => undefined);
    return operator;
  }

  /** The cached answer, or a fresh one; null: Telco Finder knows no operator for the number. */
  private async lookup(phoneNumber: string): Promise<TelcoFinderAnswer | null> {
    const key = answerKey(phoneNumber);
    const cached = await this.deps.keyValue.get(key).catch(() => undefined);
    if (cached) return JSON.parse(cached.toString('utf8')) as TelcoFinderAnswer | null;
    const { answer, maxAgeSeconds } = await withDeadline(this.search(phoneNumber), this.deps.timeoutMs);
    if (maxAgeSeconds > 0) await this.deps.keyValue.set(key, Buffer.from(JSON.stringify(answer)), maxAgeSeconds * 1000).catch(() => undefined);
    return answer;
  }

  private async search(phoneNumber: string): Promise<{ answer: TelcoFinderAnswer | null; maxAgeSeconds: number }> {
    const token = await this.accessToken();
    const response = await this.timed('search', () =>
      this.deps.http.request(`${this.deps.config.url}${SEARCH_PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ target: { phoneNumber }, includeApiRoot: true, includeAuthProviderConfiguration: true }),
        timeoutMs: this.deps.timeoutMs,
      }),
    );
    const maxAgeSeconds = this.maxAgeOf(response.rawHeaders);
    if (response.status === 404) return { answer: null, maxAgeSeconds };
    if (response.status === 401) this.token = undefined;
    if (response.status !== 200) throw new Error(`telco finder answered ${response.status}`);
    const body = searchAnswerSchema.parse(JSON.parse(response.body.toString('utf8')));
    const issuer = body.authProviderConfiguration?.endsWith(OIDC_DISCOVERY_SUFFIX) ? body.authProviderConfiguration.slice(0, -OIDC_DISCOVERY_SUFFIX.length) : body.authProviderConfiguration;
    return { answer: { operatorId: body.operatorId, ...(body.apiRoot && { apiRoot: body.apiRoot.replace(/\/+$/, '') }), ...(issuer && { issuer }) }, maxAgeSeconds };
  }

  private maxAgeOf(rawHeaders: string[]): number {
    const values: string[] = [];
    for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i].toLowerCase() === 'cache-control') values.push(rawHeaders[i + 1]);
    const header = values.join(',').toLowerCase();
    if (/\b(no-store|no-cache)\b/.test(header)) return 0;
    const maxAge = /\bmax-age=(\d+)/.exec(header);
    return maxAge ? Math.min(Number(maxAge[1]), 7 * 24 * 3600) : this.deps.config.cacheSeconds;
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now() + 30_000) return this.token.value;
    this.tokenConfiguration ??= this.configureToken().catch((err) => {
      this.tokenConfiguration = undefined;
      throw err;
    });
    const config = await this.tokenConfiguration;
    const scope = this.deps.config.scope;
    const tokens = await this.timed('token', () => client.clientCredentialsGrant(config, scope ? { scope } : {}));
    this.token = { value: tokens.access_token, expiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000 };
    return this.token.value;
  }

  /** openid-client for the token endpoint: discovered from `issuer`, or the `tokenEndpoint` as given. */
  private async configureToken(): Promise<client.Configuration> {
    const { config: tf, http, timeoutMs } = this.deps;
    const fetch = http.fetchWithin(timeoutMs);
    const issuer = tf.issuer ?? new URL(tf.tokenEndpoint!).origin;
    const insecure = LOOPBACK.test(new URL(tf.issuer ?? tf.tokenEndpoint!).hostname);
    let config: client.Configuration;
    if (tf.tokenEndpoint) {
      config = new client.Configuration({ issuer, token_endpoint: tf.tokenEndpoint }, tf.clientId, {}, this.clientAssertion());
      if (insecure) client.allowInsecureRequests(config);
    } else {
      config = await this.timed('discovery', () =>
        client.discovery(new URL(issuer), tf.clientId, {}, this.clientAssertion(), { [client.customFetch]: fetch, ...(insecure && { execute: [client.allowInsecureRequests] }) }),
      );
    }
    config[client.customFetch] = fetch;
    config.timeout = 0;
    return config;
  }

  /** private_key_jwt (RFC 7523) with the broker's current client-assertion key; aud = the token endpoint (CAMARA profile) */
  private clientAssertion(): client.ClientAuth {
    return async (as, clientMetadata, body, headers) => {
      const key = await this.deps.keys.active('client-assertion');
      return privateKeyJwt(key)(as, clientMetadata, body, headers);
    };
  }

  private async timed<T>(endpoint: OperatorEndpoint, call: () => Promise<T>): Promise<T> {
    const start = performance.now();
    const record = (outcome: 'ok' | 'error' | 'timeout') => this.deps.metrics?.operatorCall(TELCO_FINDER_METRIC, endpoint, (performance.now() - start) / 1000, outcome);
    try {
      const result = await call();
      record('ok');
      return result;
    } catch (err) {
      const e = err as { name?: string; cause?: { name?: string } };
      record(e.name === 'TimeoutError' || e.cause?.name === 'TimeoutError' ? 'timeout' : 'error');
      throw err;
    }
  }
}

/** `*.example.com` matches its subdomains (not example.com itself); anything else matches exactly. */
function hostMatches(pattern: string, host: string): boolean {
  return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern;
}

/** A broker id for a found operator: readable, within the id pattern, distinct for distinct operatorIds. */
function foundId(operatorId: string): string {
  const slug = operatorId.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').slice(0, 26);
  return `tf-${slug}-${createHash('sha256').update(operatorId).digest('hex').slice(0, 8)}`;
}

/** numbers are hashed in keys: a key listing (Redis SCAN) does not list the numbers looked up */
function answerKey(phoneNumber: string): string {
  return `tf:n:${createHash('sha256').update(phoneNumber).digest('base64url')}`;
}

function foundKey(id: string): string {
  return `tf:op:${id}`;
}

/** The whole lookup within `ms`: each request is bounded too, this bounds the sum (token, then search). */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
