// The HTML of the SIM picker: plain forms, no scripts, one small stylesheet allowed by its hash.
import { createHash } from 'node:crypto';

import type { SimChoice } from './sim-choice-cookie.js';

export interface SimPickerView {
  sims: readonly string[];
  current: SimChoice | undefined;
  /** What the connection's source address alone would make of this browser. */
  byAddress: SimChoice;
  /** A same-origin path to return to after choosing, already checked. */
  next: string | undefined;
  /** the sample page to go back to (already checked against the relying parties' origins) */
  back?: string;
  error?: string;
}

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
main { max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
.sandbox { background: #fff3cd; border: 2px solid #e0a800; padding: .75rem 1rem; font-weight: 600; }
.error { background: #fde2e1; border: 1px solid #c0392b; padding: .5rem 1rem; }
form { background: #fff; border: 1px solid #d8dce3; border-radius: 8px; padding: 1rem; margin: 1rem 0; }
h2 { font-size: 1rem; margin: 0 0 .5rem; }
button { display: block; width: 100%; margin: .4rem 0; padding: .6rem; font: inherit; cursor: pointer; }
button[aria-pressed=true] { font-weight: 700; border: 2px solid #1d7a3a; background: #e3f4e8; }
.back { display: inline-block; margin: .5rem 0; font-weight: 600; }
.note { color: #4a5261; font-size: .9375rem; }
input[type=tel] { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; }
`;

/**
 * Content-Security-Policy for the page: nothing runs, only its own stylesheet applies. No `form-action`:
 * browsers apply it to the whole redirect chain after a POST, and `next` leads on through `/auth` to
 * the relying party's redirect_uri on another origin.
 */
export const SIM_PICKER_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function renderSimPickerPage(view: SimPickerView): string {
  const next =
    (view.next === undefined ? '' : `<input type="hidden" name="next" value="${escapeHtml(view.next)}">`) +
    (view.back === undefined ? '' : `<input type="hidden" name="back" value="${escapeHtml(view.back)}">`);
  const chosen = view.current;
  const pressed = (is: boolean) => `aria-pressed="${is}"`;
  const simButtons = view.sims
    .map((sim) => {
      const isChosen = chosen?.network === 'cellular' && chosen.phoneNumber === sim;
      return `<button name="choice" value="${escapeHtml(sim)}" ${pressed(isChosen)}>Cellular with SIM ${escapeHtml(sim)}${isChosen ? ' ✓ chosen' : ''}</button>`;
    })
    .join('\n    ');
  const wifiChosen = chosen?.network === 'wifi';
  const back = view.back === undefined ? '' : `<a class="back" href="${escapeHtml(view.back)}">← Back to the sample</a>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sandbox operator: choose this browser's network</title>
  <style>${STYLE}</style>
</head>
<body>
<main>
  ${back}
  <p class="sandbox">SANDBOX OPERATOR, for development and tests only. This is not a real mobile operator:
  no real SIM or phone number is checked here.</p>
  <h1>Which network is this browser on?</h1>
  <p>A real operator recognises a phone by its mobile-data connection. A desktop browser has none, so choose
  what the sandbox should pretend. The choice is kept in a cookie of this sandbox and applies to every
  sign-in until you change it.</p>
  ${view.error ? `<p class="error">${escapeHtml(view.error)}</p>` : ''}
  <p>Now: <strong>${escapeHtml(describeChoice(view.current ?? view.byAddress))}</strong>
  ${view.current ? '(your choice)' : "(from this connection's address)"}</p>
  <form method="post" action="/sim">
    ${next}
    <h2>Cellular (mobile data)</h2>
    ${simButtons}
  </form>
  <form method="post" action="/sim">
    ${next}
    <h2>Cellular with another SIM</h2>
    <label for="phoneNumber">Phone number in E.164 format</label>
    <input type="tel" id="phoneNumber" name="phoneNumber" placeholder="+34600000009" required pattern="\\+[1-9][0-9]{4,14}">
    <button name="choice" value="other">Cellular with this SIM</button>
  </form>
  <form method="post" action="/sim">
    ${next}
    <h2>No mobile network</h2>
    <p class="note">No SIM means SMS: the operator cannot see a device on WiFi, so the sample texts a code instead.</p>
    <button name="choice" value="wifi" ${pressed(wifiChosen)}>WiFi (no mobile network)${wifiChosen ? ' ✓ chosen' : ''}</button>
    <button name="choice" value="address">Forget my choice (use this connection's address)</button>
  </form>
  ${back}
</main>
</body>
</html>
`;
}

function describeChoice(choice: SimChoice): string {
  return choice.network === 'wifi' ? 'WiFi (no mobile network)' : `Cellular with SIM ${choice.phoneNumber}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
