/**
 * Which language an SMS is written in.
 *
 * Rules:
 * - A language the client asked for wins when we have it: 'es', 'es-ES', 'es_ES', 'ar_SA', 'EN_us' all
 *   count; only the primary subtag matters, because our templates are per language, not per region.
 * - Otherwise the language most people read in the number's country, for the countries listed below.
 * - Otherwise English.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export const LANGUAGES = ['en', 'es', 'fr', 'de', 'pt', 'ar'] as const;
export type Lang = (typeof LANGUAGES)[number];

// Countries whose main written language is not English and for which we have a template. Countries with
// more than one official language take the one most SMS are sent in (BE → fr and CH → de are compromises).
const LANGUAGE_BY_COUNTRY: Readonly<Record<string, Lang>> = Object.freeze({
  ...countries('es', 'ES MX AR CO CL PE VE EC GT CU BO DO HN PY SV NI CR PA UY GQ PR'),
  ...countries('fr', 'FR BE LU MC SN CI CM ML BF NE TG BJ GN GA CG CD MG HT RE GP MQ GF YT PF NC PM BL MF WF'),
  ...countries('de', 'DE AT CH LI'),
  ...countries('pt', 'PT BR AO MZ CV GW ST TL'),
  ...countries('ar', 'SA AE EG QA KW BH OM JO IQ SY LB PS YE LY SD DZ MA TN MR'),
});

/** The language to write an SMS to `phoneNumber` (E.164) in, given what the client asked for, if anything. */
export function chooseLanguage(requested: string | undefined, phoneNumber: string): Lang {
  const primary = requested?.trim().split(/[-_]/)[0]?.toLowerCase();
  if (primary && isLang(primary)) return primary;
  const country = parsePhoneNumberFromString(phoneNumber)?.country;
  return (country && LANGUAGE_BY_COUNTRY[country]) || 'en';
}

export function isLang(value: string): value is Lang {
  return (LANGUAGES as readonly string[]).includes(value);
}

function countries(lang: Lang, list: string): Record<string, Lang> {
  return Object.fromEntries(list.split(' ').map((country) => [country, lang]));
}
