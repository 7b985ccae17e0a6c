/**
 * The SMS that carries a one-time code.
 *
 * Rules:
 * - It says who sends it, what the code is for and how long it lasts, in the reader's language; it never
 *   asks the reader to share or forward the code.
 * - Its last line is the origin-bound line `@<host> #<code>` and nothing else, so WebOTP, Safari's
 *   one-time-code autofill and Android's SMS Retriever offer the code only on that site. The host is a bare
 *   host name: scheme, port and path are dropped.
 * - Brand and app names are collapsed to one line so they cannot add lines of their own.
 * @see https://wicg.github.io/sms-one-time-codes/ (origin-bound one-time codes delivered via SMS)
 * @see https://wicg.github.io/web-otp/
 */
import type { Lang } from './language.js';

export { chooseLanguage, isLang, LANGUAGES, type Lang } from './language.js';

export interface OtpMessageInput {
  code: string;
  brand: string;
  lang: Lang;
  /** the site the code is for: `example.com`, `https://example.com:8443/x` → `example.com` */
  host: string;
  /** the application the code is for, named in the text when given */
  app?: string;
  ttlMinutes: number;
}

type Template = (v: { brand: string; code: string; app?: string; ttl: number }) => string;

const TEMPLATES: Readonly<Record<Lang, Template>> = Object.freeze({
  en: ({ brand, code, app, ttl }) =>
    `${brand}: your verification code${app ? ` for ${app}` : ''} is ${code}. It expires in ${ttl} ${ttl === 1 ? 'minute' : 'minutes'}.`,
  es: ({ brand, code, app, ttl }) =>
    `${brand}: tu código de verificación${app ? ` para ${app}` : ''} es ${code}. Caduca en ${ttl} ${ttl === 1 ? 'minuto' : 'minutos'}.`,
  fr: ({ brand, code, app, ttl }) =>
    `${brand} : votre code de vérification${app ? ` pour ${app}` : ''} est ${code}. Il expire dans ${ttl} ${ttl === 1 ? 'minute' : 'minutes'}.`,
  de: ({ brand, code, app, ttl }) =>
    `${brand}: Ihr Bestätigungscode${app ? ` für ${app}` : ''} lautet ${code}. Er läuft in ${ttl} ${ttl === 1 ? 'Minute' : 'Minuten'} ab.`,
  pt: ({ brand, code, app, ttl }) =>
    `${brand}: o seu código de verificação${app ? ` para ${app}` : ''} é ${code}. Expira em ${ttl} ${ttl === 1 ? 'minuto' : 'minutos'}.`,
  ar: ({ brand, code, app, ttl }) =>
    `${brand}: رمز التحقق${app ? ` لـ ${app}` : ''} هو ${code}. تنتهي صلاحيته خلال ${arabicMinutes(ttl)}.`,
});

/** The SMS text for a code, ending with the origin-bound `@host #code` line. */
export function renderOtpMessage(input: OtpMessageInput): string {
  if (!/^[0-9]+$/.test(input.code)) throw new RangeError('code must be digits');
  return `${renderOtpText(input)}\n\n@${bareHost(input.host)} #${input.code}`;
}

/**
 * The sentence before the origin-bound line, with `code` as given: an operator that makes the code itself
 * (One Time Password SMS, otp/camara-otp.ts) gets its `{{code}}` placeholder there.
 */
export function renderOtpText(input: OtpMessageInput): string {
  if (!Number.isInteger(input.ttlMinutes) || input.ttlMinutes < 1) throw new RangeError('ttlMinutes must be a positive integer');
  return TEMPLATES[input.lang]({
    brand: oneLine(input.brand),
    code: input.code,
    app: input.app === undefined ? undefined : oneLine(input.app) || undefined,
    ttl: input.ttlMinutes,
  });
}

/** `https://Example.com:8443/path` → `example.com`; WebOTP matches on the host only. */
export function bareHost(host: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `https://${host}`;
  let hostname: string;
  try {
    hostname = new URL(withScheme).hostname;
  } catch {
    throw new RangeError('host must be a host name such as example.com');
  }
  if (!hostname) throw new RangeError('host must be a host name such as example.com');
  return hostname;
}

function oneLine(text: string): string {
  return text.replace(/[\s\p{Cc}]+/gu, ' ').trim();
}

// Arabic counts nouns differently for 1, 2, 3–10 and 11+.
function arabicMinutes(n: number): string {
  if (n === 1) return 'دقيقة واحدة';
  if (n === 2) return 'دقيقتين';
  if (n >= 3 && n <= 10) return `${n} دقائق`;
  return `${n} دقيقة`;
}
