import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Reads a phone number the way the imitated systems write them (mPass `dest`, WSO2 `mobile`), which is not
 * always E.164. Returns the E.164 form, or undefined when the number is not a valid one.
 *
 * Rules:
 * - spaces, dots, dashes and parentheses are formatting and are dropped; anything else but digits (and one
 *   leading `+`) makes the number invalid;
 * - `+…` is international; `00…` is the international prefix most of the world dials, read as `+…`;
 * - other digits are national when a default region is configured (libphonenumber also recognises the
 *   country code written without `+` there, e.g. 9665… with region SA); without a region they are read
 *   as international digits without the `+` (966501234567), since guessing a country would be worse;
 * - the number must be valid for libphonenumber-js (the same rule as the native API): codes are never
 *   sent to numbers that cannot exist, which is also what stops SMS pumping to made-up ranges.
 */
export function readPhoneNumber(value: string, defaultRegion?: string): string | undefined {
  const compact = value.trim().replace(/[\s.()-]/g, '');
  if (!/^\+?\d{3,17}$/.test(compact)) return undefined;
  const international = compact.startsWith('+') ? compact : compact.startsWith('00') ? `+${compact.slice(2)}` : undefined;
  const parsed = international
    ? parsePhoneNumberFromString(international)
    : defaultRegion
      ? parsePhoneNumberFromString(compact, defaultRegion as CountryCode)
      : parsePhoneNumberFromString(`+${compact}`);
  return parsed?.isValid() ? parsed.number : undefined;
}
