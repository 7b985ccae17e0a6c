import type { VerificationStatus } from './lifecycle.js';

export type { VerificationStatus } from './lifecycle.js';
/** @see lifecycle.ts: statuses, transitions and guards live there */
export { isFinal } from './lifecycle.js';

export type VerificationMethod = 'silent_auth' | 'sms_otp' | 'digital_credential';
export type NetworkHint = 'cellular' | 'wifi' | 'unknown';

/** the format of a verification id: `vrf_` + 16 random bytes in base64url (flows/start-verification.ts) */
export const VERIFICATION_ID = /^vrf_[A-Za-z0-9_-]{22}$/;

/** A step in the verification's story, shown to the developer; never holds a code, token or full number. */
export interface VerificationEvent {
  at: string;
  type: string;
  detail?: Record<string, string | number | boolean>;
}

/** The SMS leg's state. The code itself is never stored, only its keyed hash. */
export interface OtpState {
  codeHash: string;
  expiresAt: string;
  attempts: number;
  sends: number;
  lastSentAt: string;
  lang?: string;
  /**
   * provider used for the last send; for an upstream OTP service the code is held there: `mpass`, or
   * `camara-otp:<operator>` (CAMARA One Time Password SMS, otp/camara-otp.ts)
   */
  provider?: string;
  /** camara-otp: the operator's id for the code it sent (One Time Password SMS); never logged nor shown */
  authenticationId?: string;
  app?: string;
}

/**
 * The silent leg proved the number on a device that did not carry the starter's session (another device,
 * or another HTTP client of the same app). The number is not verified for the starter until it presents
 * the completion code that device was handed. Only the code's keyed hash is kept.
 */
export interface CompletionState {
  codeHash: string;
  expiresAt: string;
  attempts: number;
}

/**
 * A channel of a workflow (issue 14), tried in the order the application gave. `digital_credential` (issue 18): the
 * carrier-issued TS.43 credential over the Digital Credentials API, first when present (docs/digital-credentials.md).
 */
export type Channel = 'digital_credential' | 'silent_auth' | 'sms';
export const CHANNELS: readonly Channel[] = ['digital_credential', 'silent_auth', 'sms'];

/**
 * The digital-credential leg (issue 18): what a presentation is checked against. The OpenID4VP nonce itself is
 * never stored, only its keyed hash (like a code's); `nonceHash` is emptied by the first presentation, right or
 * wrong (single use).
 */
export interface CredentialState {
  nonceHash: string;
  /** the DCQL credential id the request named: the key of the presentation in `vp_token` */
  credentialId: string;
  /** the vct asked for (number-verification/verify/ts43 or …/device-phone-number/ts43) */
  vct: string;
  /** the key-binding JWT's allowed `aud` values: `origin:<origin>` of the broker's page or the application's apps */
  audiences: string[];
}

/**
 * What an application's backend asked for when it started the verification with its key: the device opens
 * `checkUrl` (the broker's, carrying a token whose hash is kept here) and is sent on to `authUrl`.
 */
export interface BackendStart {
  /** the channels, in order; the SMS leg is only ever taken when the workflow has `sms` */
  workflow: Channel[];
  /** until when the silent leg may finish (its `timeoutSeconds`); absent without a silent leg */
  silentDeadline?: string;
  /** HMAC of the checkUrl's token (like a code's hash), and where that URL leads */
  checkTokenHash?: string;
  authUrl?: string;
  /** the backend's own reference, echoed in reads and webhook events */
  clientRef?: string;
  /** the end user's address the backend passed, for the per-network SMS limit of later sends */
  clientIp?: string;
}

/**
 * The fraud signals checked for a verification (issue 17), as the session token's `risk` claim and the webhook's
 * `data.risk` carry them: a member is absent when that signal was not checked. `unknown`: the check could not
 * answer (timeout, 5xx, not supported, no operator to ask); the policy's `onUnknown` decided what it did.
 */
export interface RiskSignals {
  simSwap?: { status: 'not_swapped' | 'swapped' | 'unknown'; checkedAt: string; maxAgeHours: number };
  /** `since`: the caller's knownSince, the day from which the number was its user's */
  numberRecycling?: { status: 'not_recycled' | 'recycled' | 'unknown'; checkedAt: string; since: string };
}

/** Why a fraud signal ended a verification (its `reason` when `failed`). */
export type RiskRefusal = 'SIM_SWAPPED' | 'SIM_SWAP_UNKNOWN' | 'NUMBER_RECYCLED';

/** The verification: one attempt to prove that the holder of a device holds a phone number (its record). */
export interface Verification {
  id: string;
  applicationId: string;
  phoneNumber: string;
  status: VerificationStatus;
  method: VerificationMethod;
  network: NetworkHint;
  /** the browser/app session bound to this verification (random id kept in its session) */
  ownerId: string;
  operatorId?: string;
  returnUrl?: string;
  /** language asked for the SMS text (else chosen by the number's country) */
  lang?: string;
  /** why the silent leg did not prove the number, or why it failed */
  reason?: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  verifiedAt?: string;
  otp?: OtpState;
  completion?: CompletionState;
  /** the digital-credential leg's state, while a presentation is awaited (issue 18) */
  credential?: CredentialState;
  /** present when an application started it with its key (server to server) */
  backend?: BackendStart;
  /** the day (YYYY-MM-DD) since when the caller says the number was its user's: asks for the Number Recycling check */
  knownSince?: string;
  /** the fraud signals checked so far (a resend reuses them) */
  risk?: RiskSignals;
  events: VerificationEvent[];
}

/** What the callback needs to finish an authorization; consumed once. */
export interface AuthorizationState {
  state: string;
  verificationId: string;
  operatorId: string;
  codeVerifier: string;
  nonce: string;
  expiresAt: string;
}

export function event(type: string, detail?: VerificationEvent['detail'], now = new Date()): VerificationEvent {
  return detail ? { at: now.toISOString(), type, detail } : { at: now.toISOString(), type };
}
