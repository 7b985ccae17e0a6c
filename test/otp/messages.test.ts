import { describe, it, expect } from '@jest/globals';
import { chooseLanguage, LANGUAGES, renderOtpMessage, type Lang } from '../../src/otp/messages.js';

const base = { code: '042913', brand: 'Acme', host: 'example.com', ttlMinutes: 5 };

describe('renderOtpMessage', () => {
  it.each(LANGUAGES.map((lang) => [lang]))('in %s, names the brand, the code and the lifetime, and ends with "@host #code"', (lang) => {
    const text = renderOtpMessage({ ...base, lang: lang as Lang });
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('@example.com #042913');
    expect(lines[0]).toContain('Acme');
    expect(lines[0]).toContain('042913');
    expect(lines[0]).toMatch(/5/);
    expect(text.toLowerCase()).not.toMatch(/share|comparte|partag|teilen|partilh|شارك/);
  });

  it('writes the expected English sentence', () => {
    expect(renderOtpMessage({ ...base, lang: 'en' })).toBe(
      'Acme: your verification code is 042913. It expires in 5 minutes.\n\n@example.com #042913',
    );
  });

  it('names the app when given', () => {
    expect(renderOtpMessage({ ...base, lang: 'en', app: 'Acme Wallet' })).toMatch(/^Acme: your verification code for Acme Wallet is 042913\./);
    expect(renderOtpMessage({ ...base, lang: 'es', app: 'Acme Wallet' })).toContain('para Acme Wallet');
  });

  it('uses the singular for one minute', () => {
    expect(renderOtpMessage({ ...base, lang: 'en', ttlMinutes: 1 })).toContain('in 1 minute.');
    expect(renderOtpMessage({ ...base, lang: 'de', ttlMinutes: 1 })).toContain('in 1 Minute ab.');
  });

  it('keeps only the host name in the origin-bound line: no scheme, port or path', () => {
    for (const host of ['https://Example.com:8443/verify', 'example.com:3000', 'http://example.com']) {
      expect(renderOtpMessage({ ...base, lang: 'en', host }).split('\n').at(-1)).toBe('@example.com #042913');
    }
  });

  it('keeps a brand or app name with line breaks on one line, so the last line stays the origin-bound one', () => {
    const text = renderOtpMessage({ ...base, lang: 'en', app: 'x\n@evil.example #000000\n', brand: 'A\r\nB' });
    expect(text.split('\n')).toHaveLength(3);
    expect(text.split('\n').at(-1)).toBe('@example.com #042913');
  });

  it('refuses a code that is not digits and a host that is not a host', () => {
    expect(() => renderOtpMessage({ ...base, lang: 'en', code: '12a4' })).toThrow(RangeError);
    expect(() => renderOtpMessage({ ...base, lang: 'en', host: 'not a host' })).toThrow(RangeError);
  });
});

describe('chooseLanguage', () => {
  it.each([
    ['es', 'es'],
    ['es-ES', 'es'],
    ['es_ES', 'es'],
    ['ar_SA', 'ar'],
    ['en_US', 'en'],
    ['FR-ca', 'fr'],
    ['pt-BR', 'pt'],
    ['de', 'de'],
  ])('honours the requested language %s over the number', (requested, expected) => {
    expect(chooseLanguage(requested, '+14155552671')).toBe(expected);
  });

  it.each([
    ['+34600000002', 'es'],
    ['+5215512345678', 'es'],
    ['+33612345678', 'fr'],
    ['+32470123456', 'fr'],
    ['+4915123456789', 'de'],
    ['+436641234567', 'de'],
    ['+41781234567', 'de'],
    ['+351912345678', 'pt'],
    ['+5511912345678', 'pt'],
    ['+966501234567', 'ar'],
    ['+971501234567', 'ar'],
    ['+201001234567', 'ar'],
    ['+447700900123', 'en'],
    ['+14155552671', 'en'],
    ['+819012345678', 'en'],
  ])('without a request, picks by the country of %s', (phoneNumber, expected) => {
    expect(chooseLanguage(undefined, phoneNumber)).toBe(expected);
  });

  it('falls back to the country when the requested language has no template', () => {
    expect(chooseLanguage('it-IT', '+34600000002')).toBe('es');
    expect(chooseLanguage('', '+33612345678')).toBe('fr');
  });

  it('falls back to English for an unknown language and an unparseable number', () => {
    expect(chooseLanguage('xx', 'not a number')).toBe('en');
  });
});
