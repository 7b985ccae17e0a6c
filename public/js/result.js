// result.html: the outcome, by which method, the session token's claims and the verification's timeline.
import { $, api, describeReason, el, formatDateTime, formatTime, METHOD_LABELS, revealSandbox, say, statusBadge, verificationIdFromUrl } from './common.js';
import { describeEvent } from './events.js';
import { AMR_NOTES, CLAIM_NOTES, decodeJwt, TIME_CLAIMS } from './jwt.js';

const id = verificationIdFromUrl();
const FINAL = new Set(['verified', 'failed', 'expired']);
const VERIFIED_HOW = { silent_auth: 'silently, by your mobile operator', digital_credential: "from your SIM's credential, by your mobile operator" };
const ICONS = {
  ok: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"><path d="m5 12.5 4.5 4.5L19 7.5"/></svg>',
  bad: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"><path d="M6.5 6.5l11 11M17.5 6.5l-11 11"/></svg>',
};

/** a completion code for this device to hand over (in the fragment: it never reaches a server) */
let handOver = new URLSearchParams(location.hash.slice(1)).get('code') ?? undefined;

revealSandbox();
load();

/** The operator proved the number on this device, but another browser or app started the verification. */
function showHandOver(code) {
  setOutcome('wait', 'Verified on this device: finish where you started', 'Your operator recognised this device, but the verification was started in another browser or app. It completes only when that one presents this code.');
  document.title = 'Finish where you started · Number Verify';
  $('#facts').replaceChildren(el('dt', {}, 'Completion code'), el('dd', {}, el('code', { id: 'completion-code' }, code)));
}

async function load() {
  if (!id) {
    setOutcome('bad', 'No verification to show', 'Start by entering your phone number.');
    return;
  }
  let polls = 0;
  let shown = '';
  for (;;) {
    let v;
    try {
      v = await api(`/v1/verifications/${encodeURIComponent(id)}`);
    } catch (err) {
      if (handOver && (err.code === 'PERMISSION_DENIED' || err.code === 'NOT_FOUND')) return showHandOver(handOver);
      setOutcome('bad', 'Result not available', '');
      say(message(), err.code === 'PERMISSION_DENIED' || err.code === 'NOT_FOUND'
        ? 'This verification was started in another browser, or it no longer exists.'
        : err.message, 'error');
      return;
    }
    if (v.status === 'awaiting_completion' && handOver) {
      // this browser started it after all (its session came back without the cookie): present the code itself
      await api(`/v1/verifications/${encodeURIComponent(id)}/code`, { method: 'POST', body: { code: handOver } }).catch(() => null);
      history.replaceState(null, '', location.pathname + location.search);
      handOver = undefined;
      continue;
    }
    const key = JSON.stringify([v.status, v.events.length, Boolean(v.sessionToken)]);
    if (key !== shown) {
      shown = key;
      render(v);
    }
    if (v.status === 'otp_sent' || v.status === 'fallback_required') {
      return location.replace(`otp.html?${new URLSearchParams({ verificationId: id, status: v.status })}`);
    }
    // keep watching a little: an unfinished verification, or the webhook that follows a finished one
    // the broker notes each delivery's outcome (webhook_delivered, webhook_attempt_failed, webhook_failed,
    // webhook_not_sent): wait for the first, which comes within a second of the end when a receiver answers
    const waitingForWebhook = FINAL.has(v.status) && !v.events.some((e) => e.type.startsWith('webhook_'));
    if ((!FINAL.has(v.status) && polls < 60) || (waitingForWebhook && polls < 10)) {
      polls++;
      await new Promise((resolve) => setTimeout(resolve, FINAL.has(v.status) ? 2000 : 1000));
      continue;
    }
    return;
  }
}

function message() {
  return $('#message');
}

function render(v) {
  const by = METHOD_LABELS[v.method] ?? v.method;
  if (v.status === 'verified') {
    setOutcome('ok', 'Number verified', `${v.phoneNumber} · ${VERIFIED_HOW[v.method] ?? 'with a code by SMS'}`);
  } else if (v.status === 'failed') {
    setOutcome('bad', 'Verification failed', v.reason ? `Because ${describeReason(v.reason)}.` : '');
  } else if (v.status === 'expired') {
    setOutcome('bad', 'Verification expired', 'It was not finished in time. Start again.');
  } else if (v.status === 'awaiting_completion') {
    setOutcome('wait', 'Waiting for the other device', 'Your operator recognised another device than this one. The verification completes when the completion code it was given is presented here (POST /v1/verifications/{id}/code).');
  } else {
    setOutcome('wait', 'Still verifying…', 'Waiting for your mobile operator.');
  }
  document.title = `${$('#outcome-title').textContent} · Number Verify`;

  const facts = $('#facts');
  const rows = [
    ['Status', statusBadge(v.status)],
    ['Phone number', v.phoneNumber],
    ['Method', by],
    v.operator && ['Operator', v.operator],
    ['Network (as the page was told)', v.network],
    fallbackReason(v) && ['Why SMS', describeReason(fallbackReason(v))],
    v.reason && v.status !== 'verified' && v.reason !== fallbackReason(v) && ['Reason', describeReason(v.reason)],
    ['Started', formatDateTime(v.createdAt)],
    v.verifiedAt && ['Verified', `${formatDateTime(v.verifiedAt)} (${seconds(v.createdAt, v.verifiedAt)} after start)`],
    ['Verification id', el('code', {}, v.id)],
  ].filter(Boolean);
  facts.replaceChildren(...rows.flatMap(([k, val]) => [el('dt', {}, k), el('dd', {}, val)]));

  renderToken(v.sessionToken);
  renderTimeline(v.events ?? []);
}

/** Why the silent leg gave way to SMS: the verification keeps it only until it finishes, the timeline for good. */
function fallbackReason(v) {
  return v.events?.find((e) => e.type === 'fallback_required')?.detail?.reason;
}

function setOutcome(tone, title, sub) {
  const box = $('#outcome');
  box.className = `outcome ${tone}`;
  if (ICONS[tone]) $('#outcome-icon').innerHTML = ICONS[tone];
  $('#outcome-title').textContent = title;
  $('#outcome-sub').textContent = sub;
}

function renderToken(token) {
  const card = $('#token-card');
  const decoded = token && decodeJwt(token);
  if (!decoded) {
    card.hidden = true;
    return;
  }
  card.hidden = false;
  $('#claims tbody').replaceChildren(
    ...Object.entries(decoded.claims).map(([name, value]) => {
      const shown = TIME_CLAIMS.has(name) && typeof value === 'number'
        ? `${value} · ${formatDateTime(new Date(value * 1000).toISOString())}`
        : name === 'amr' && Array.isArray(value) ? value.map((m) => (AMR_NOTES[m] ? `${m} (${AMR_NOTES[m]})` : m)).join(', ')
        : typeof value === 'object' ? JSON.stringify(value) : String(value);
      return el('tr', {},
        el('th', { scope: 'row' }, name),
        el('td', {}, shown, CLAIM_NOTES[name] && el('span', { class: 'explain' }, CLAIM_NOTES[name])));
    }),
  );
  $('#token-json').textContent = `// header\n${JSON.stringify(decoded.header, null, 2)}\n// claims\n${JSON.stringify(decoded.claims, null, 2)}`;
  // the token as is: a line break after each dot would make a copied token invalid (CSS wraps it instead)
  $('#token-raw').textContent = token;
  $('#next-steps').hidden = false;
}

/** Copy buttons: [data-copy="#selector"] copies that element's text, and says so. */
for (const button of document.querySelectorAll('[data-copy]')) {
  button.addEventListener('click', async () => {
    const text = $(button.dataset.copy)?.textContent ?? '';
    const status = $(`#${button.getAttribute('aria-describedby')}`);
    try {
      await navigator.clipboard.writeText(text);
      if (status) status.textContent = 'Copied.';
    } catch {
      // no clipboard permission (http on a LAN address is not a secure context): select it for Ctrl+C
      const range = document.createRange();
      range.selectNodeContents($(button.dataset.copy));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      if (status) status.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
    }
  });
}

function renderTimeline(events) {
  const card = $('#timeline-card');
  card.hidden = events.length === 0;
  const start = events.length ? Date.parse(events[0].at) : 0;
  $('#timeline').replaceChildren(
    ...events.map((e, i) => {
      const { title, detail, tone = '' } = describeEvent(e);
      const offset = Date.parse(e.at) - start;
      return el('li', { class: tone, 'data-event': e.type },
        el('span', { class: 'what' }, title),
        el('time', { class: 'when', datetime: e.at, title: formatDateTime(e.at) }, i === 0 ? formatTime(e.at) : `+${(offset / 1000).toFixed(2)} s`),
        detail && el('div', { class: 'detail' }, detail));
    }),
  );
}

function seconds(from, to) {
  const ms = Date.parse(to) - Date.parse(from);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
