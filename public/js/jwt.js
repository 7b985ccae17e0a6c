// Decoding (not verifying) a JWT, to show a developer what their backend will receive.

function decodePart(part) {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** {header, claims} of a compact JWS, or null when it is not one. */
export function decodeJwt(token) {
  const parts = String(token).split('.');
  if (parts.length !== 3) return null;
  try {
    return { header: decodePart(parts[0]), claims: decodePart(parts[1]) };
  } catch {
    return null;
  }
}

/** What registered and broker claims mean, in a few words. */
export const CLAIM_NOTES = {
  iss: 'issuer: the broker that signed it',
  sub: 'subject',
  aud: 'audience: who may accept it',
  exp: 'expires',
  iat: 'issued at',
  nbf: 'not valid before',
  jti: 'token id (reject a second use)',
  auth_time: 'when the number was verified',
  phone_number: 'the verified phone number',
  phone_number_verified: 'the number was verified',
  amr: 'how it was verified',
  method: 'how it was verified',
  verification_id: 'the verification',
  verificationId: 'the verification',
  operator: 'the mobile operator the number was routed to',
  app: 'your application',
  application_id: 'your application',
};

export const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time', 'verified_at']);

/** Authentication method references the broker puts in `amr`. */
export const AMR_NOTES = {
  nba: 'network-based authentication by the operator',
  sms: 'one-time code by SMS',
  otp: 'one-time code',
  ts43: "the SIM's credential (GSMA TS.43), confirmed by the operator",
};
