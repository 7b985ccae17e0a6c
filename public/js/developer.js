// developer.html (sandbox only): recent verifications and webhook deliveries of this broker.
import { $, api, describeReason, el, formatDateTime, formatTime, METHOD_LABELS, revealSandbox, say, statusBadge } from './common.js';
import { describeEvent } from './events.js';

let timer;

start();

async function start() {
  const info = await revealSandbox();
  if (!info) {
    say($('#message'), 'The developer page lists every verification of the broker, so it exists only while the sandbox is on (SANDBOX=on).', 'info', 'Not available on this broker.');
    return;
  }
  $('#dev').hidden = false;
  if (info.simPickerUrl) $('#sim-picker').href = info.simPickerUrl;
  $('#sims-line').textContent = info.sims?.length ? `Sandbox SIMs: ${info.sims.map((s) => s.number).join(', ')}. Texts land in the sandbox inbox (${info.inboxUrl}?phoneNumber=…).` : '';
  if (!info.webhookUrlConfigured) {
    $('#webhook-banner').hidden = false;
    $('#receiver-env').textContent = `WEBHOOK_URL=${info.webhookReceiverUrl}`;
  }
  $('#refresh').addEventListener('click', refresh);
  $('#auto').addEventListener('change', schedule);
  await refresh();
}

async function refresh() {
  clearTimeout(timer);
  try {
    const [{ verifications }, { deliveries }, { received }] = await Promise.all([api('/sandbox/verifications'), api('/sandbox/deliveries'), api('/sandbox/webhooks')]);
    renderVerifications(verifications);
    renderDeliveries(deliveries);
    renderReceived(received);
    say($('#message'), '');
    $('#updated').textContent = `Updated ${formatTime(new Date().toISOString())}`;
  } catch (err) {
    say($('#message'), err.message, 'error', 'Could not load the lists.');
  }
  schedule();
}

function schedule() {
  clearTimeout(timer);
  if ($('#auto').checked) timer = setTimeout(refresh, 5000);
}

function renderVerifications(list) {
  $('#verifications-count').textContent = `${list.length} shown`;
  // keep open the timelines someone is reading
  const open = new Set([...document.querySelectorAll('#verifications details[open]')].map((d) => d.dataset.id));
  $('#verifications').replaceChildren(
    ...(list.length ? list.map((v) => verificationItem(v, open.has(v.id))) : [el('li', { class: 'empty' }, 'No verifications yet. Start one on the sample frontend.')]),
  );
}

function verificationItem(v, open) {
  const details = el('details', { 'data-id': v.id, open },
    el('summary', {}, `Timeline (${v.events.length} events)`),
    el('ol', { class: 'timeline' }, ...v.events.map((e) => {
      const { title, detail, tone = '' } = describeEvent(e);
      return el('li', { class: tone }, el('span', { class: 'what' }, title), el('time', { class: 'when', datetime: e.at }, formatTime(e.at)), detail && el('div', { class: 'detail' }, detail));
    })));
  return el('li', { class: 'record' },
    el('div', { class: 'top' }, el('strong', {}, v.phoneNumber), statusBadge(v.status)),
    el('div', { class: 'line' }, `${METHOD_LABELS[v.method] ?? v.method} · ${v.network}${v.operator ? ` · ${v.operator}` : ''}`),
    fallbackReason(v) && el('div', { class: 'line' }, 'Why SMS: ', el('strong', {}, describeReason(fallbackReason(v)))),
    v.reason && v.reason !== fallbackReason(v) && el('div', { class: 'line' }, 'Reason: ', el('strong', {}, describeReason(v.reason))),
    v.status === 'otp_sent' && v.otp && el('div', { class: 'line' }, `Code: ${v.otp.attemptsRemaining} attempts left, ${v.otp.sendsRemaining} sends left`),
    el('div', { class: 'line' }, formatDateTime(v.createdAt), ' · ', el('a', { href: `result.html?verificationId=${encodeURIComponent(v.id)}` }, 'result page')),
    el('div', { class: 'id' }, v.id),
    details);
}

function fallbackReason(v) {
  return v.events.find((e) => e.type === 'fallback_required')?.detail?.reason;
}

function renderDeliveries(list) {
  $('#deliveries-count').textContent = `${list.length} shown`;
  const open = new Set([...document.querySelectorAll('#deliveries details[open]')].map((d) => d.dataset.id));
  $('#deliveries').replaceChildren(
    ...(list.length ? list.map((d) => deliveryItem(d, open.has(d.id))) : [el('li', { class: 'empty' }, 'No webhooks yet. Each finished verification sends one to WEBHOOK_URL.')]),
  );
}

function deliveryItem(d, open) {
  const outcome = d.status === 'delivered'
    ? `HTTP ${d.lastStatus ?? 'ok'} · ${formatTime(d.deliveredAt ?? d.createdAt)}`
    : d.lastError ? `last try: ${d.lastStatus ? `HTTP ${d.lastStatus}, ` : ''}${d.lastError}` : `next try ${formatTime(d.nextAttemptAt)}`;
  const finished = d.status === 'delivered' || d.status === 'failed';
  const replay = finished && el('button', { type: 'button', class: 'button small secondary', 'data-replay': d.id, 'aria-label': `Replay ${d.eventType} ${d.id}` }, 'Replay');
  if (replay) replay.addEventListener('click', () => replayDelivery(d.id, replay));
  return el('li', { class: 'record' },
    el('div', { class: 'top' }, el('strong', { class: 'mono' }, d.eventType), el('span', { class: `badge ${d.status}` }, d.status)),
    el('div', { class: 'line' }, `${d.attempts} attempt${d.attempts === 1 ? '' : 's'} · ${outcome}`),
    replay,
    el('div', { class: 'line' }, formatDateTime(d.createdAt)),
    el('div', { class: 'id' }, d.id),
    el('details', { 'data-id': d.id, open }, el('summary', {}, 'Payload'), el('pre', { class: 'json' }, JSON.stringify(d.payload, null, 2))));
}

/** Sends a finished delivery again (same webhook-id), then refreshes to show the new attempt. */
async function replayDelivery(id, button) {
  button.disabled = true;
  button.textContent = 'Replaying…';
  try {
    await api(`/sandbox/deliveries/${encodeURIComponent(id)}/replay`, { method: 'POST', body: {} });
    say($('#message'), 'The delivery is due again; the worker sends it within a second.', 'success', 'Replayed.');
  } catch (err) {
    say($('#message'), err.message, 'error', 'Could not replay.');
  }
  setTimeout(refresh, 1200);
}

function renderReceived(list) {
  $('#received-count').textContent = `${list.length} shown`;
  $('#received').replaceChildren(
    ...(list.length
      ? list.map((w) => el('li', { class: 'record' },
        el('div', { class: 'top' }, el('strong', { class: 'mono' }, w.eventType), el('span', { class: `badge ${w.signatureValid ? 'delivered' : 'failed'}` }, w.signatureValid ? 'signature valid' : 'bad signature')),
        el('div', { class: 'line' }, formatDateTime(w.receivedAt)),
        el('div', { class: 'id' }, w.webhookId),
        el('details', {}, el('summary', {}, 'Event'), el('pre', { class: 'json' }, JSON.stringify(w.event, null, 2)))))
      : [el('li', { class: 'empty' }, 'Nothing received yet. Point WEBHOOK_URL at /sandbox/webhooks to see events arrive here.')]),
  );
}
