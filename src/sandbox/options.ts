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
export type FaultyEndpoint = 'token' | 'verify' | 'device-phone-number' | 'sim-swap' | 'number-recycling' | 'one-time-password-sms';

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
  /**
   * Shows a developer an SMS the sandbox "sent", code included (never a log line: logs hold no codes).
   * Default: `console.log` when the logger is `console`, else nothing (read codes with `sentSms`).
   */
  print?(text: string): void;
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
  /** What the SIM Swap, Number Recycling and One Time Password SMS APIs know about the lines. */
  lines?: SandboxLineOptions;
}

// --- SIM Swap, Number Recycling and One Time Password SMS (issue 17) ---

/**
 * The sandbox's mobile lines as the fraud-signal APIs see them. Its subscribers are the SIM table's numbers
 * and every number named here; a 3-legged token's subscriber (any number a SIM-picker cookie chose) is served too.
 * A line not marked was activated on 2020-01-01 and was never swapped or recycled.
 */
export interface SandboxLineOptions {
  /** E.164 number → hours before the sandbox started that its SIM was swapped, e.g. `{ '+34600000003': 2 }`. */
  simSwaps?: Record<string, number>;
  /**
   * E.164 number → the date (YYYY-MM-DD) its current subscriber took it over, e.g. `{ '+34600000003': '2026-01-01' }`:
   * recycled for any `specifiedDate` before it. A new subscription is a SIM change too (SIM Swap spec).
   */
  recycledNumbers?: Record<string, string>;
  /** Numbers SIM Swap and Number Recycling answer 422 SERVICE_NOT_APPLICABLE for (served, but no history kept). */
  serviceNotApplicable?: string[];
  otpSms?: SandboxOtpSmsOptions;
}

export interface SandboxOtpSmsOptions {
  /** Lifetime of an authenticationId and its code. Default: 300. */
  codeTtlSeconds?: number;
  /** Wrong codes per authenticationId; the last one answers VERIFICATION_FAILED. Default: 3. */
  maxAttempts?: number;
  /** send-code calls per number per hour before MAX_OTP_CODES_EXCEEDED. Default: 10. */
  maxCodesPerHour?: number;
  /** Numbers send-code refuses with PHONE_NUMBER_BLOCKED. */
  blockedNumbers?: string[];
}

/** An SMS the One Time Password SMS API "sent" (test aid: the sandbox delivers nothing). */
export interface SandboxSms {
  phoneNumber: string;
  /** The message with `{{code}}` replaced. */
  text: string;
  code: string;
  authenticationId: string;
  sentAt: Date;
}

export interface RunningSandbox {
  /** e.g. `http://127.0.0.1:41234`, no trailing slash; the apiRoot of its CAMARA APIs is the same URL. */
  issuer: string;
  close(): Promise<void>;
  /** test aid: mint an access token as the NV API would accept it, e.g. with amr ['pwd'] or without a scope */
  mintAccessToken(claims: MintedAccessTokenClaims): Promise<string>;
  /** test aid: the One Time Password SMS messages sent to a number, newest first */
  sentSms(phoneNumber: string): SandboxSms[];
}

export interface MintedAccessTokenClaims {
  /** The subscriber of a 3-legged token; absent: a 2-legged (client credentials) token. */
  phoneNumber?: string;
  /** Default: `'sandbox-minted'`. */
  clientId?: string;
  /** Space-separated, as in an OAuth `scope` claim. */
  scope: string;
  /** Default: `['nba']` (network-based authentication). */
  amr?: string[];
  /** Default: 3600. Negative values mint an already expired token. */
  expiresInSeconds?: number;
}
