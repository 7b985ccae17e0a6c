// The phone field: a country beside a free-text number, checked with libphonenumber (the same metadata as the
// broker) and turned into E.164. The library is the broker's own copy (vendor/libphonenumber-max.js, a classic
// script loaded before this module), so the page needs no CDN.
const lib = globalThis.libphonenumber;

/** Countries offered first in the list (the sandbox SIMs are Spanish); the rest follow by name. */
const FIRST = ['ES', 'GB', 'US', 'FR', 'DE', 'IT', 'PT'];

const regionName = (() => {
  try {
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    return (iso) => names.of(iso) ?? iso;
  } catch {
    return (iso) => iso;
  }
})();

/** Every country libphonenumber knows: {iso, name, dial}. */
export const COUNTRIES = (lib?.getCountries() ?? FIRST)
  .map((iso) => ({ iso, name: regionName(iso), dial: lib ? lib.getCountryCallingCode(iso) : '' }))
  .sort((a, b) => (rank(a.iso) - rank(b.iso)) || a.name.localeCompare(b.name));

function rank(iso) {
  const i = FIRST.indexOf(iso);
  return i === -1 ? FIRST.length : i;
}

/** Number types that cannot receive a text (kept in step with canReceiveSms in src/phone.ts). */
const NOT_TEXTABLE = new Set(['FIXED_LINE', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'UAN', 'VOICEMAIL']);

/** A guess from the browser's language ("en-GB" → GB), else Spain (the sandbox SIMs are Spanish). */
export function defaultCountry() {
  for (const lang of navigator.languages ?? [navigator.language]) {
    const region = /-([A-Z]{2})$/i.exec(lang ?? '')?.[1]?.toUpperCase();
    if (region && COUNTRIES.some((c) => c.iso === region)) return region;
  }
  return 'ES';
}

/**
 * What the person typed, as E.164, or an error message for them.
 * Rules: spaces, dots, dashes and brackets are ignored; `00` means `+`; a number starting with `+` keeps its
 * own country code, otherwise it is read as a national number of the chosen country (libphonenumber knows
 * each country's trunk prefix); the result must be a valid number there, and one that can receive a text
 * (no landline: the code falls back to SMS). An invalid number that is valid in another country says which.
 */
export function toE164(typed, countryIso) {
  const raw = String(typed ?? '').trim();
  if (!raw) return { error: 'Enter your mobile number.' };
  if (/[^\d\s().+-]/.test(raw)) return { error: 'Use digits only (spaces are fine), e.g. 600 000 002.' };
  let compact = raw.replace(/[\s().-]/g, '');
  if (compact.startsWith('00')) compact = '+' + compact.slice(2);
  if (compact.indexOf('+') > 0 || (compact.match(/\+/g) ?? []).length > 1) return { error: 'A “+” can only start the number.' };
  const digits = compact.replace('+', '').length;
  if (digits < 6) return { error: 'That number is too short: type all of its digits.' };
  if (digits > 15) return { error: 'That number is too long: a phone number has at most 15 digits with its country code.' };
  if (!lib) return { error: 'The number checker did not load. Reload the page.' };

  const international = compact.startsWith('+');
  const parsed = lib.parsePhoneNumberFromString(compact, international ? undefined : countryIso);
  if (!parsed || !parsed.isValid()) {
    const chosen = COUNTRIES.find((c) => c.iso === countryIso);
    const elsewhere = !international && COUNTRIES.find((c) => lib.parsePhoneNumberFromString(compact, c.iso)?.isValid());
    if (elsewhere) return { error: `That is not a ${chosen?.name ?? countryIso} number. If it is from ${elsewhere.name}, choose ${elsewhere.iso} +${elsewhere.dial}, or type it with its country code.`, suggest: elsewhere.iso };
    return { error: international ? 'That is not a valid phone number. Check the country code and the digits.' : `That is not a valid ${chosen?.name ?? ''} number. Check the digits, or type it with its country code (e.g. +44 7400 123456).` };
  }
  if (NOT_TEXTABLE.has(parsed.getType())) {
    return { error: 'That is a landline or service number, which cannot receive a text. Enter a mobile number.' };
  }
  const country = COUNTRIES.find((c) => c.iso === parsed.country) ?? COUNTRIES.find((c) => c.dial === parsed.countryCallingCode);
  return { e164: parsed.number, country, national: parsed.formatInternational() };
}
