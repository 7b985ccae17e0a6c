// The sandbox's public interface: its options with their documented defaults, and what it returns.
// `settings.ts` applies the defaults and checks the values.

/** A relying party registered at the sandbox. It authenticates with `private_key_jwt` only. */
export interface SandboxClient {
  clientId: string;
  /** Where the sandbox fetches the client's public keys to check its client assertions. */
  jwksUri: string;
  redirectUris: string[];
}

/** Endpoints fault injection can target. */
export type FaultyEndpoint = 'token' | 'verify' | 'device-phone-number';

export interface SandboxFaults {
  /** Wait this long before answering (the request is then handled normally unless `failStatus` is set). */
  delayMs?: number;
  /** Answer with this 5xx status and a CAMARA error body instead of handling the request. */
  failStatus?: number;
  /** Default: `['verify', 'device-phone-number']`. */
  endpoints?: FaultyEndpoint[];
}

export interface SandboxLogger {
  warn(msg: string): void;
  info(msg: string): void;
}

export interface SandboxOptions {
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  /**
   * Listen address. Default `'127.0.0.1'`: on Linux a socket bound there also accepts connections whose
   * source is 127.0.0.2, 127.0.0.3…, which is how tests and developers play different SIMs.
   */
  host?: string;
  /**
   * Host name in the issuer URL. Default: the listen `host` (a wildcard listen address becomes the
   * loopback address). An IP literal rather than `localhost` avoids `localhost` resolving to `::1` while
   * the sandbox listens on IPv4 only.
   */
  publicHost?: string;
  clients: SandboxClient[];
  /** Device source address → the E.164 number of the SIM in it, e.g. `{ '127.0.0.2': '+34600000002' }`. */
  sims: Record<string, string>;
  faults?: SandboxFaults;
  /** Default: `console`. */
  logger?: SandboxLogger;
}

export interface RunningSandbox {
  /** e.g. `http://127.0.0.1:41234`, no trailing slash; the Number Verification apiRoot is the same URL. */
  issuer: string;
  close(): Promise<void>;
  /** test aid: mint an access token as the NV API would accept it, e.g. with amr ['pwd'] or without a scope */
  mintAccessToken(claims: MintedAccessTokenClaims): Promise<string>;
}

export interface MintedAccessTokenClaims {
  phoneNumber: string;
  /** Space-separated, as in an OAuth `scope` claim. */
  scope: string;
  /** Default: `['nba']` (network-based authentication). */
  amr?: string[];
  /** Default: 3600. Negative values mint an already expired token. */
  expiresInSeconds?: number;
}
