// otp.html: the SMS leg. Starts it when needed, checks the code, resends with a countdown, explains refusals.
import { $, api, describeReason, describeTooMany, el, formatCountdown, formatTime, queryParam, rememberedNumber, retryAfterSeconds, revealSandbox, say, verificationIdFromUrl } from './common.js';
import { CREDENTIAL_OUTCOMES } from './sim-credential.js';

const id = verificationIdFromUrl();
const form = $('#code-form');
const codeInput = $('#code');
const message = $('#message');
const codeError = $('#code-error');
const attempts = $('#attempts');
const expiry = $('#expiry');
const resend = $('#resend');
const resendStatus = $('#resend-status');

/** Clock of the SMS leg, in this browser's time. */
const state = { nextResendAt: 0, expiresAt: 0, sendsRemaining: undefined, done: false, createdAt: undefined, verificationExpiresAt: 0 };

main();

async function main() {
  const sandbox = revealSandbox();
  if (!id) return stop('There is no verification in this link.', 'Start by entering your phone number.');
  sandbox.then((info) => info && startInbox(info));

  let v;
  try {
    v = await api(`/v1/verifications/${encodeURIComponent(id)}`);
    v = await ensureCodeSent(v);
  } catch (err) {
    explain(err);
    if (!state.done) {
      $('#otp-lead').textContent = 'We could not send you a code just now.';
      $('#restart').hidden = false;
    }
    return;
  }
  show(v);
  setInterval(tick, 250);
}

/** The broker usually starts the SMS leg itself; when it has not, this page asks for it. */
async function ensureCodeSent(v) {
  for (let i = 0; i < 20 && (v.status === 'pending' || v.status === 'silent_auth_in_progress'); i++) {
    $('#otp-lead').textContent = 'Still checking with your mobile operator…';
    await new Promise((resolve) => setTimeout(resolve, 500));
    v = await api(`/v1/verifications/${encodeURIComponent(id)}`);
  }
  // awaiting_credential: the start page got no SIM credential, or the broker refused it (the SMS is the next channel)
  if (v.status !== 'fallback_required' && v.status !== 'awaiting_completion' && v.status !== 'awaiting_credential') return v;
  // the SMS goes out on a click, never on arrival: any web page can send a browser to this page
  await askToSend(v);
  $('#otp-lead').textContent = 'Sending you a code by SMS…';
  try {
    await api(`/v1/verifications/${encodeURIComponent(id)}/fallback`, { method: 'POST', body: {} });
  } catch (err) {
    if (err.code !== 'CONFLICT') throw err; // CONFLICT: the broker had just sent it
  }
  return api(`/v1/verifications/${encodeURIComponent(id)}`);
}

/** Says why a code is needed and waits for the person to ask for it. */
function askToSend(v) {
  $('#otp-lead').textContent = `${whyNoSilentCheck(v)} We can text you a one-time code instead.`;
  const button = el('button', { class: 'button', type: 'button', id: 'send-code', 'aria-describedby': 'otp-lead' }, 'Text me a code');
  $('#otp-lead').after(button);
  button.focus();
  return new Promise((resolve) => button.addEventListener('click', () => {
    button.remove();
    resolve();
  }, { once: true }));
}

function show(v) {
  state.createdAt = Date.parse(v.createdAt);
  if (v.status === 'verified') return location.replace(resultUrl('verified'));
  if (v.status === 'failed') {
    return stop(v.reason === 'too_many_attempts' ? 'Too many wrong codes were entered, so this verification is blocked.' : 'This verification has failed.', 'Start again to get a new code.', 'Verification blocked');
  }
  if (v.status === 'expired') return stop('This verification has expired.', 'Start again to get a new code.', 'Verification expired');

  const number = rememberedNumber(id) ?? v.phoneNumber;
  $('#otp-lead').textContent = `We sent a code by SMS to ${number}. It can take a few seconds to arrive.`;
  const why = fallbackReason(v);
  $('#why-sms').textContent = why ? `Why a code: ${describeReason(why)}.` : '';
  state.verificationExpiresAt = Date.parse(v.expiresAt) || 0;
  form.hidden = false;
  $('#resend-block').hidden = false;
  applyOtp(v.otp);
  codeInput.focus();
}

/** One line: why the operator (silently, or from the SIM's credential) did not confirm the number. */
function whyNoSilentCheck(v) {
  // what the start page saw of the SIM credential: a fixed vocabulary, so a link cannot put its own words here
  const seen = queryParam('credential');
  if (seen && Object.hasOwn(CREDENTIAL_OUTCOMES, seen)) {
    const line = CREDENTIAL_OUTCOMES[seen];
    return seen === 'refused' && v.reason ? `${line.slice(0, -1)}: ${describeReason(v.reason)}.` : line;
  }
  return v.reason ? `Your operator could not confirm the number silently: ${describeReason(v.reason)}.` : 'Your operator could not confirm the number silently.';
}

/** Why the silent leg gave way to SMS (kept on the timeline for good). */
function fallbackReason(v) {
  return v.events?.find((e) => e.type === 'fallback_required')?.detail?.reason ?? (v.status === 'fallback_required' ? v.reason : undefined);
}

/** otp: {attemptsRemaining, expiresAt, nextResendAt, sendsRemaining} from the broker */
function applyOtp(otp) {
  if (!otp) return;
  if (typeof otp.attemptsRemaining === 'number') showAttempts(otp.attemptsRemaining);
  if (otp.expiresAt) state.expiresAt = Date.parse(otp.expiresAt);
  if (otp.nextResendAt) state.nextResendAt = Date.parse(otp.nextResendAt);
  if (typeof otp.sendsRemaining === 'number') state.sendsRemaining = otp.sendsRemaining;
  tick();
}

function showAttempts(n) {
  attempts.textContent = n === 1 ? '1 attempt left' : `${n} attempts left`;
  attempts.classList.toggle('low', n <= 2);
}

/** Every quarter second: the resend countdown and the code's remaining validity. */
function tick() {
  if (state.done) return;
  const now = Date.now();
  // the whole verification ran out: no code can verify it any more, so no Confirm and no Resend
  if (state.verificationExpiresAt && now >= state.verificationExpiresAt) {
    return stop('This verification has expired: no code can complete it now.', 'Start again to get a new code.', 'Verification expired');
  }
  if (state.expiresAt) {
    const left = (state.expiresAt - now) / 1000;
    expiry.textContent = left > 0 ? `Code valid for ${formatCountdown(left)}` : 'Code expired';
  }
  if (state.sendsRemaining === 0) {
    resend.disabled = true;
    resend.textContent = 'No more codes can be sent';
    return;
  }
  const wait = (state.nextResendAt - now) / 1000;
  if (wait > 0) {
    resend.disabled = true;
    resend.textContent = `Resend code in ${formatCountdown(wait)}`;
  } else if (resend.dataset.busy !== 'true') {
    resend.disabled = false;
    resend.textContent = 'Resend code';
  }
}

codeInput.addEventListener('input', () => {
  const digits = codeInput.value.replace(/\D/g, '');
  if (digits !== codeInput.value) codeInput.value = digits;
  codeInput.removeAttribute('aria-invalid');
  codeError.textContent = '';
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const code = codeInput.value.trim();
  if (!/^\d{4,10}$/.test(code)) {
    codeInput.setAttribute('aria-invalid', 'true');
    codeError.textContent = code ? 'The code is the digits in the SMS, 4 to 10 of them.' : 'Enter the code from the SMS.';
    codeInput.focus();
    return;
  }
  const confirm = $('#confirm');
  confirm.disabled = true;
  confirm.textContent = 'Checking…';
  try {
    await api(`/v1/verifications/${encodeURIComponent(id)}/code`, { method: 'POST', body: { code } });
    state.done = true;
    say(message, 'Taking you to the result…', 'success', 'Your number is verified.');
    location.assign(resultUrl('verified'));
  } catch (err) {
    confirm.disabled = false;
    confirm.textContent = 'Confirm';
    if (err.code === 'CONFLICT') {
      // verified meanwhile (a second tab, a double tap) or no code out: the verification itself says which
      const v = await api(`/v1/verifications/${encodeURIComponent(id)}`).catch(() => null);
      if (v) return show(v);
    }
    explain(err);
  }
});

resend.addEventListener('click', async () => {
  resend.disabled = true;
  resend.dataset.busy = 'true';
  resend.textContent = 'Sending…';
  try {
    const sent = await api(`/v1/verifications/${encodeURIComponent(id)}/resend`, { method: 'POST', body: {} });
    say(message, '');
    resendStatus.textContent = `We sent a new code${typeof sent.sendsRemaining === 'number' ? ` (${sent.sendsRemaining} more can be sent)` : ''}. Only the newest code works.`;
    codeInput.value = '';
    codeInput.focus();
    state.expiresAt = 0;
    applyOtp(sent.verification?.otp ?? sent);
  } catch (err) {
    if (err.code === 'TOO_MANY_REQUESTS') {
      const seconds = retryAfterSeconds(err) ?? 30;
      state.nextResendAt = Date.now() + seconds * 1000;
      resendStatus.textContent = describeTooMany(err);
    } else {
      explain(err);
    }
  } finally {
    resend.dataset.busy = 'false';
    tick();
  }
});

/** Turns a refusal of the broker into words for the person, and the page into what they can still do. */
function explain(err) {
  switch (err.code) {
    case 'INVALID_OTP': {
      const left = err.body.attemptsRemaining;
      // the last wrong code fails the verification
      if (left === 0) return stop('That code was not right either, and it was the last attempt: this verification is blocked for your security.', 'Start again to get a new code.', 'Verification blocked');
      if (typeof left === 'number') showAttempts(left);
      codeInput.setAttribute('aria-invalid', 'true');
      codeError.textContent = typeof left === 'number'
        ? `That code is not right. ${left === 1 ? '1 attempt left' : `${left} attempts left`}.`
        : 'That code is not right. Check the SMS and try again.';
      codeInput.select();
      codeInput.focus();
      return;
    }
    case 'OTP_EXPIRED':
      state.expiresAt = Date.now();
      codeInput.value = '';
      return say(message, 'Send a new code and enter that one instead.', 'error', 'This code has expired.');
    case 'OTP_ATTEMPTS_EXCEEDED':
      return stop('Too many wrong codes were entered, so this verification is blocked for your security.', 'Start again to get a new code.', 'Verification blocked');
    case 'VERIFICATION_EXPIRED':
    case 'GONE':
      return stop('This verification has expired.', 'Start again to get a new code.', 'Verification expired');
    case 'PERMISSION_DENIED':
    case 'NOT_FOUND':
      return stop('This verification was started in another browser, or it no longer exists.', 'Start again from this browser.', 'Verification not found');
    case 'DESTINATION_BLOCKED':
      return stop('We cannot send SMS to numbers of this country.', 'Try another number.', 'SMS not available for this number');
    case 'SMS_BUDGET_EXHAUSTED':
    case 'SMS_UNAVAILABLE':
      return say(message, 'Our SMS service is not available right now. Try again in a few minutes.', 'error', 'We could not send the SMS.');
    case 'TOO_MANY_REQUESTS':
      // the broker says which limit (this number, this network, …) and for how long: repeat it, do not guess
      return say(message, describeTooMany(err), 'error', 'No code was sent.');
    case 'INVALID_ARGUMENT':
      codeInput.setAttribute('aria-invalid', 'true');
      codeError.textContent = err.message;
      return;
    default:
      return say(message, err.message || 'Something went wrong. Try again.', 'error', 'That did not work.');
  }
}

/** A dead end: the form goes away and only "Start again" is left. */
function stop(text, next, title = 'We cannot continue') {
  state.done = true;
  document.body.classList.add('stopped');
  form.hidden = true;
  $('#resend-block').hidden = true;
  $('#restart').hidden = false;
  $('#other-number').hidden = true;
  $('#otp-title').textContent = title;
  $('#otp-lead').textContent = next;
  $('#why-sms').textContent = '';
  say(message, text, 'error');
  document.title = `${title} · Number Verify`;
  // the focused field or button just disappeared: keyboard and screen-reader users land on the new title
  $('#otp-title').focus();
}

function resultUrl(status) {
  return `result.html?${new URLSearchParams({ verificationId: id, status })}`;
}

// ---------- sandbox inbox ----------

function startInbox(info) {
  const known = rememberedNumber(id);
  const inboxForm = $('#inbox-form');
  let number = known;
  let timer;
  const link = $('#inbox-link');
  const poll = async () => {
    clearTimeout(timer);
    if (!number) return;
    link.href = `${info.inboxUrl}?${new URLSearchParams({ phoneNumber: number })}`;
    try {
      const { messages = [] } = await api(link.getAttribute('href'));
      renderInbox(messages);
    } catch (err) {
      $('#inbox').replaceChildren(el('li', { class: 'small muted' }, `The inbox could not be read: ${err.message}`));
    }
    timer = setTimeout(poll, 2000);
  };
  if (known) {
    link.href = `${info.inboxUrl}?${new URLSearchParams({ phoneNumber: known })}`;
  } else {
    link.closest('p').append(' Which number did you verify?');
    link.href = info.inboxUrl;
    inboxForm.hidden = false;
  }
  inboxForm.addEventListener('submit', (event) => {
    event.preventDefault();
    number = $('#inbox-number').value.replace(/[\s().-]/g, '');
    poll();
  });
  poll();
}

let lastRendered = '';
function renderInbox(messages) {
  // the inbox is per number: leave out texts of earlier verifications (a little slack for clock skew)
  const since = (state.createdAt ?? 0) - 5000;
  const newest = messages.filter((m) => !(Date.parse(m.sentAt) < since)).sort((a, b) => Date.parse(b.sentAt) - Date.parse(a.sentAt)).slice(0, 3);
  const key = JSON.stringify(newest);
  if (key === lastRendered) return;
  lastRendered = key;
  const list = $('#inbox');
  if (!newest.length) return list.replaceChildren(el('li', { class: 'small muted' }, 'No messages for this verification yet. They appear here within a second or two.'));
  list.replaceChildren(
    ...newest.map((m, i) => {
      const code = /#(\d{4,10})\s*$/.exec(m.body ?? '')?.[1];
      const use = code && i === 0 && el('button', { type: 'button', class: 'button small secondary', 'data-code': code }, 'Use this code');
      if (use) use.addEventListener('click', () => {
        codeInput.value = code;
        codeInput.dispatchEvent(new Event('input'));
        codeInput.focus();
      });
      return el('li', { class: 'inbox-message' },
        el('div', { class: 'meta' }, el('span', {}, `To ${m.to}`), el('time', { datetime: m.sentAt }, formatTime(m.sentAt))),
        el('p', { class: 'body' }, m.body),
        use || (i > 0 && el('p', { class: 'small muted' }, 'Replaced by the newer code above.')));
    }),
  );
}
