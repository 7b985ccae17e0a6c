// `/sim`: lets a person in a desktop browser play a phone on the mobile network, or one on WiFi.
import express, { Router, type Request, type Response } from 'express';

import { identifyDeviceByAddress } from './device.js';
import { isE164PhoneNumber } from './phone-number.js';
import { readSimChoice, simChoiceCookie, type SimChoice } from './sim-choice-cookie.js';
import { renderSimPickerPage, SIM_PICKER_CSP } from './sim-picker-page.js';

export const SIM_PICKER_PATH = '/sim';

interface SimPickerDependencies {
  issuer: string;
  sims: ReadonlyMap<string, string>;
  /** origins of the relying parties (the broker's sample pages); "back to the sample" may only lead there */
  sampleOrigins?: readonly string[];
}

/**
 * `GET /sim` shows the choices; `POST /sim` stores the choice in the `sandbox_sim` cookie (which then
 * beats the source-address table) and returns to `next` when that is a same-origin path.
 *
 * @see https://github.com/camaraproject/NumberVerification (Network-Based Authentication)
 */
export function createSimPickerRouter({ issuer, sims, sampleOrigins = [] }: SimPickerDependencies): Router {
  const router = Router();
  const simNumbers = [...new Set(sims.values())];
  const render = (req: Request, res: Response, status: number, error?: string) => {
    const page = renderSimPickerPage({
      sims: simNumbers,
      current: readSimChoice(req),
      byAddress: identifyDeviceByAddress(req.socket.remoteAddress, sims),
      next: sameOriginPath(req.body?.next ?? req.query.next, issuer),
      back: sampleUrl(req.body?.back ?? req.query.back, sampleOrigins),
      error,
    });
    res.status(status).set({ 'Content-Security-Policy': SIM_PICKER_CSP, 'Cache-Control': 'no-store' }).type('html').send(page);
  };

  router.get(SIM_PICKER_PATH, (req, res) => render(req, res, 200));

  router.post(SIM_PICKER_PATH, express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
    if (!isSameOriginPost(req, issuer)) return void res.status(403).type('text/plain').send('Cross-site request refused');
    const choice = parseChoice(req.body ?? {});
    if (choice === 'invalid') return render(req, res, 400, 'That is not a phone number in E.164 format, e.g. +34600000009.');
    res.setHeader('Set-Cookie', simChoiceCookie(choice));
    const back = sampleUrl(req.body?.back, sampleOrigins);
    const again = back && req.body?.back ? `${SIM_PICKER_PATH}?${new URLSearchParams({ back })}` : SIM_PICKER_PATH;
    res.redirect(303, sameOriginPath(req.body?.next, issuer) ?? again);
  });

  return router;
}

function parseChoice(form: Record<string, unknown>): SimChoice | undefined | 'invalid' {
  if (form.choice === 'wifi') return { network: 'wifi' };
  if (form.choice === 'address') return undefined;
  const phoneNumber = form.choice === 'other' ? form.phoneNumber : form.choice;
  return isE164PhoneNumber(phoneNumber) ? { network: 'cellular', phoneNumber } : 'invalid';
}

/**
 * Where the picker may send the browser afterwards.
 *
 * Rules (no open redirect):
 * - only a path on the sandbox's own origin: it starts with a single `/` (not `//` or `/\`, which
 *   browsers read as another host) and, resolved against the issuer, stays on the issuer's origin;
 * - anything else is ignored and the picker shows itself again.
 */
function sameOriginPath(next: unknown, issuer: string): string | undefined {
  if (typeof next !== 'string' || !/^\/(?![/\\])/.test(next) || /[\u0000-\u001f\\]/.test(next)) return undefined;
  const resolved = new URL(next, issuer);
  return resolved.origin === new URL(issuer).origin ? `${resolved.pathname}${resolved.search}${resolved.hash}` : undefined;
}

/**
 * Where "Back to the sample" leads. Rules (no open redirect): a `back` URL is kept only when its origin is one
 * of the relying parties' own (their redirect_uri origins); otherwise, and when absent, the first relying
 * party's home page; no relying party at all: no link.
 */
function sampleUrl(back: unknown, origins: readonly string[]): string | undefined {
  if (typeof back === 'string' && back.length < 2048) {
    try {
      const url = new URL(back);
      if (origins.includes(url.origin)) return url.href;
    } catch {
      /* not a URL: fall back to the home page */
    }
  }
  return origins[0] === undefined ? undefined : `${origins[0]}/`;
}

/**
 * Rules: a browser sends `Origin` with a form POST; when it names another site, the POST was made by
 * that site (it could otherwise flip a developer's SIM behind their back). No `Origin` (curl, tests) is allowed.
 */
function isSameOriginPost(req: Request, issuer: string): boolean {
  const origin = req.get('origin');
  return origin === undefined || origin === new URL(issuer).origin;
}

