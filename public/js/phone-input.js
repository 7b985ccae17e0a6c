// The phone field: a country hint beside a free-text number, turned into E.164 for the broker.

/** Calling codes offered in the country list; the first match of a typed +prefix wins (longest first). */
export const COUNTRIES = [
  { iso: 'ES', name: 'Spain', dial: '34' },
  { iso: 'GB', name: 'United Kingdom', dial: '44' },
  { iso: 'US', name: 'United States', dial: '1' },
  { iso: 'CA', name: 'Canada', dial: '1' },
  { iso: 'FR', name: 'France', dial: '33' },
  { iso: 'DE', name: 'Germany', dial: '49' },
  { iso: 'IT', name: 'Italy', dial: '39', keepsLeadingZero: true },
  { iso: 'PT', name: 'Portugal', dial: '351' },
  { iso: 'NL', name: 'Netherlands', dial: '31' },
  { iso: 'BE', name: 'Belgium', dial: '32' },
  { iso: 'IE', name: 'Ireland', dial: '353' },
  { iso: 'CH', name: 'Switzerland', dial: '41' },
  { iso: 'AT', name: 'Austria', dial: '43' },
  { iso: 'SE', name: 'Sweden', dial: '46' },
  { iso: 'PL', name: 'Poland', dial: '48' },
  { iso: 'MX', name: 'Mexico', dial: '52' },
  { iso: 'BR', name: 'Brazil', dial: '55' },
  { iso: 'AR', name: 'Argentina', dial: '54' },
  { iso: 'CO', name: 'Colombia', dial: '57' },
  { iso: 'IN', name: 'India', dial: '91' },
  { iso: 'AU', name: 'Australia', dial: '61' },
  { iso: 'JP', name: 'Japan', dial: '81' },
];

const byDialLength = [...COUNTRIES].sort((a, b) => b.dial.length - a.dial.length);

/** The country whose calling code starts an international number ("+34…" → Spain). */
export function countryOfInternational(e164) {
  const digits = e164.slice(1);
  return byDialLength.find((c) => digits.startsWith(c.dial));
}

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
 * own country code; otherwise the chosen country's code is put in front and its trunk `0` dropped.
 */
export function toE164(typed, countryIso) {
  const raw = String(typed ?? '').trim();
  if (!raw) return { error: 'Enter your mobile number.' };
  if (/[^\d\s().+-]/.test(raw)) return { error: 'Use digits only (spaces are fine), e.g. 600 000 002.' };
  let compact = raw.replace(/[\s().-]/g, '');
  if (compact.startsWith('00')) compact = '+' + compact.slice(2);
  if (compact.indexOf('+') > 0 || (compact.match(/\+/g) ?? []).length > 1) return { error: 'A “+” can only start the number.' };
  let e164;
  if (compact.startsWith('+')) {
    e164 = compact;
  } else {
    const country = COUNTRIES.find((c) => c.iso === countryIso) ?? COUNTRIES[0];
    const national = country.keepsLeadingZero ? compact : compact.replace(/^0/, '');
    e164 = `+${country.dial}${national}`;
  }
  if (!/^\+[1-9]\d*$/.test(e164)) return { error: 'That does not look like a phone number.' };
  const digits = e164.length - 1;
  if (digits < 8) return { error: 'That number is too short: type all of its digits.' };
  if (digits > 15) return { error: 'That number is too long: a phone number has at most 15 digits with its country code.' };
  return { e164, country: countryOfInternational(e164) };
}
