// Which line a SIM Swap or Number Recycling call is about: from the access token or from `phoneNumber`.
import type { AccessTokenGrant } from './access-token.js';
import { IdentifierNotFound, InvalidArgument, MissingIdentifier, ServiceNotApplicable, UnnecessaryIdentifier } from './errors.js';
import type { LineSettings } from './lines.js';
import { isE164PhoneNumber } from './phone-number.js';

/** Each spec words its 422 messages for its own subject ("device" in SIM Swap, "phone number" in Number Recycling). */
export interface SubjectMessages {
  missing: string;
  unnecessary: string;
  notApplicable: string;
}

/**
 * Rules, checked in this order (the specs' "Identifying the phone number from the access token"):
 * - `phoneNumber`, when sent, is E.164 with a leading + → else 400 INVALID_ARGUMENT;
 * - a 3-legged token names the subject, so `phoneNumber` must not be sent, not even the same number
 *   ("the server is unable to make this comparison") → else 422 UNNECESSARY_IDENTIFIER;
 * - a 2-legged token names nobody, so `phoneNumber` is required → else 422 MISSING_IDENTIFIER;
 * - a number from the body is one the sandbox serves → else 404 IDENTIFIER_NOT_FOUND (a 3-legged token's
 *   subscriber was authenticated by this network, so it is served);
 * - the line keeps the history the API answers from → else 422 SERVICE_NOT_APPLICABLE.
 *
 * @see sim-swap.yaml, number-recycling.yaml (info.description, components.responses.Generic404/Generic422)
 */
export function identifyLine(grant: AccessTokenGrant, phoneNumber: unknown, lines: LineSettings, messages: SubjectMessages): string {
  if (phoneNumber !== undefined && !isE164PhoneNumber(phoneNumber)) throw new InvalidArgument('phoneNumber must be in E.164 format with a leading +');
  if (grant.phoneNumber !== undefined && phoneNumber !== undefined) throw new UnnecessaryIdentifier(messages.unnecessary);
  const subject = grant.phoneNumber ?? phoneNumber;
  if (subject === undefined) throw new MissingIdentifier(messages.missing);
  if (grant.phoneNumber === undefined && !lines.served.has(subject)) throw new IdentifierNotFound();
  if (lines.serviceNotApplicable.has(subject)) throw new ServiceNotApplicable(messages.notApplicable);
  return subject;
}
