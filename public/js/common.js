// Shared helpers of the sample pages: calling the broker, sandbox discovery, small DOM and text helpers.

/** An answer of the broker that is not 2xx: the CAMARA body {status, code, message, ...} plus headers. */
export class ApiError extends Error {
  constructor(status, body, headers) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? 'HTTP_' + status;
    this.body = body ?? {};
    this.headers = headers;
  }
}

/** Calls the broker on this origin with the session cookie; JSON in, JSON out; throws ApiError. */
export async function api(path, { method = 'GET', body } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { code: 'NETWORK', message: 'The broker could not be reached. Check your connection and try again.' });
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text.slice(0, 200) };
  }
  if (!res.ok) throw new ApiError(res.status, json, res.headers);
  return json;
}

/** The sandbox's helpers, or null when the broker runs without the sandbox (/sandbox/info is 404). */
export async function sandboxInfo() {
  try {
    const info = await api('/sandbox/info');
    return info && info.sandbox ? info : null;
  } catch {
    return null;
  }
}

/** Shows the sandbox bar and every `[data-sandbox]` element when the sandbox is on. */
export async function revealSandbox() {
  const info = await sandboxInfo();
  if (!info) return null;
  document.body.classList.add('is-sandbox');
  for (const el of document.querySelectorAll('[data-sandbox]')) el.hidden = false;
  return info;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Creates an element: el('p', {class: 'x'}, 'text', child). Text is always text (no HTML parsing). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Puts a message in an aria-live region (kind: error | info | success); empty text clears it. */
export function say(region, text, kind = 'info', title) {
  region.className = `notice ${kind}`;
  region.replaceChildren();
  if (!text && !title) return;
  if (title) region.append(el('strong', {}, title));
  if (text) region.append(text);
}

export function queryParam(name) {
  return new URLSearchParams(location.search).get(name);
}

/** A verification id as the broker makes them; anything else in the URL is ignored. */
export function verificationIdFromUrl() {
  const id = queryParam('verificationId');
  return id && /^[\w-]{4,80}$/.test(id) ? id : null;
}

/** The full number typed on index.html, kept in this tab only, so the sandbox inbox can be read. */
export function rememberNumber(verificationId, phoneNumber) {
  try {
    sessionStorage.setItem(`number:${verificationId}`, phoneNumber);
  } catch {
    /* private mode: the inbox panel just offers the link */
  }
}

export function rememberedNumber(verificationId) {
  try {
    return sessionStorage.getItem(`number:${verificationId}`);
  } catch {
    return null;
  }
}

export function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? String(iso)
    : date.toLocaleString([], { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Seconds the broker asked to wait (Retry-After, or retryAfter in the body), or undefined. */
export function retryAfterSeconds(err) {
  const seconds = Number(err.headers?.get?.('retry-after')) || Number(err.body?.retryAfter);
  return seconds > 0 ? seconds : undefined;
}

/** 3600 → "about 1 hour", 90 → "2 minutes", 20 → "20 seconds": a wait in words. */
export function formatWait(seconds) {
  if (seconds >= 5400) return `about ${Math.round(seconds / 3600)} hours`;
  if (seconds >= 3000) return 'about 1 hour';
  if (seconds >= 90) return `${Math.ceil(seconds / 60)} minutes`;
  if (seconds >= 60) return '1 minute';
  return `${Math.ceil(seconds)} seconds`;
}

/** A refusal for too many requests in the broker's own words, with how long to wait. */
export function describeTooMany(err) {
  const seconds = retryAfterSeconds(err);
  const reason = err.message || 'Too many requests.';
  return seconds ? `${reason.replace(/[.;]?\s*try again later\.?$/i, '.')} Try again in ${formatWait(seconds)}.` : reason;
}

/** The language of the page, passed to the broker so the SMS is in the same one. */
export function pageLanguage() {
  return (document.documentElement.lang || 'en').slice(0, 2);
}

/** 75 → "1:15" */
export function formatCountdown(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export const METHOD_LABELS = {
  silent_auth: 'Silent verification by your mobile operator',
  sms_otp: 'One-time code by SMS',
  digital_credential: "Your SIM's credential, confirmed by your mobile operator",
};

export const STATUS_LABELS = {
  pending: 'Pending',
  silent_auth_in_progress: 'Checking with operator',
  awaiting_completion: 'Waiting for the other device',
  awaiting_credential: 'Waiting for the SIM credential',
  verified: 'Verified',
  fallback_required: 'SMS needed',
  otp_sent: 'Code sent',
  failed: 'Failed',
  expired: 'Expired',
};

export const REASON_LABELS = {
  network_wifi: 'the device is on WiFi, so the operator cannot see it',
  no_operator: 'no mobile operator supports silent verification for this number',
  number_mismatch: 'the SIM in this device has another number',
  access_denied: 'the operator did not recognise this device on its mobile network (it is on WiFi, or the check was refused)',
  authorization_error: 'the operator could not authenticate the device',
  not_authenticated_by_mobile_network: 'the device was not authenticated by the mobile network',
  token_exchange_failed: 'the operator token exchange failed',
  invalid_operator_response: "the operator's answer failed validation",
  operator_timeout: 'the operator took too long to answer',
  operator_unavailable: 'the operator could not be reached',
  operator_error: 'the operator answered with an error',
  user_requested: 'you asked for a code by SMS',
  too_many_attempts: 'too many wrong codes',
  other_device: 'the operator recognised another device than the one that asked',
  next_channel: 'the next way to verify was asked for',
  credential_invalid: "the SIM credential failed the broker's checks",
  credential_refused: 'the operator did not accept the SIM credential',
};

export function describeReason(reason) {
  return REASON_LABELS[reason] ?? String(reason).replaceAll('_', ' ');
}

export function statusBadge(status) {
  return el('span', { class: `badge ${status}` }, STATUS_LABELS[status] ?? status);
}
