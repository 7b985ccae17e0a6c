// index.html: phone number and network, then the silent leg (a top-level trip to the operator) or SMS; where the
// browser has the Digital Credentials API, also the SIM's credential (TS.43), which works on WiFi without an SMS;
// where it has not but the broker runs the sandbox, the same button with the sandbox's test wallet standing in.
import { $, api, describeTooMany, el, pageLanguage, queryParam, rememberNumber, revealSandbox, say } from './common.js';
import { COUNTRIES, defaultCountry, toE164 } from './phone-input.js';
import { askForSimCredential, askSandboxWallet, canAskForSimCredential } from './sim-credential.js';

const form = $('#start-form');
const phone = $('#phone');
const country = $('#country');
const message = $('#message');
const phoneError = $('#phone-error');
const countryHint = $('#country-hint');
const submit = $('#submit');
const simSubmit = $('#sim-credential-submit');
let touched = false;
/** true when the sandbox's test wallet answers for the browser (development only): offerSandboxWallet */
let sandboxWallet = false;

for (const c of COUNTRIES) country.append(el('option', { value: c.iso, title: c.name }, `${c.iso} +${c.dial}`));
country.value = defaultCountry();
preselectNetwork();
// without the API the page stays as it was: no button, nothing said (unless the sandbox offers its demo, below)
const browserAsks = canAskForSimCredential();
$('#sim-credential').hidden = !browserAsks;

revealSandbox().then((info) => {
  if (!info) return;
  // ?wallet=sandbox: the demo in a browser that has the API too (Chrome 141+ on a desktop with no phone nearby)
  if (!browserAsks || queryParam('wallet') === 'sandbox') offerSandboxWallet();
  warnOfAnotherHost(info.publicUrl);
  if (info.simPickerUrl) $('#sim-picker').href = `${info.simPickerUrl}?${new URLSearchParams({ back: location.href })}`;
  else $('#sim-picker').closest('p').hidden = true;
  const chips = $('#sims');
  for (const { number } of info.sims ?? []) {
    const chip = el('button', { type: 'button', class: 'chip', 'aria-label': `Fill in ${number}` }, number);
    chip.addEventListener('click', () => {
      phone.value = number;
      touched = true;
      check();
      phone.focus();
    });
    chips.append(chip);
  }
});

phone.addEventListener('input', () => check({ quiet: !touched }));
phone.addEventListener('blur', () => {
  if (phone.value.trim()) touched = true;
  check({ quiet: !touched });
});
country.addEventListener('change', () => check({ quiet: !touched }));

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  touched = true;
  const parsed = check();
  if (!parsed) {
    phone.focus();
    return;
  }
  const network = new FormData(form).get('network');
  say(message, '');
  busy(true);
  showProgress(network === 'wifi' ? 'sms' : 'operator');
  try {
    const started = network === 'wifi'
      ? await api('/v1/verifications', { method: 'POST', body: { phoneNumber: parsed.e164, network: 'wifi', lang: pageLanguage() } })
      : await api(`/login?${new URLSearchParams({ phoneNumber: parsed.e164, network, lang: pageLanguage() })}`);
    rememberNumber(started.verificationId, parsed.e164);
    advanceProgress(started.authUrl ? 'operator' : 'sms');
    if (!started.authUrl && started.status === 'fallback_required') {
      // /login never sends an SMS by itself (a foreign page could make a browser GET it): the person asked, so ask
      await api(`/v1/verifications/${encodeURIComponent(started.verificationId)}/fallback`, { method: 'POST', body: {} });
      started.status = 'otp_sent';
    }
    if (started.authUrl) {
      // a top-level navigation: the operator recognises the device on its own network, then sends it back to /callback
      location.assign(started.authUrl);
    } else {
      location.assign(`otp.html?${new URLSearchParams({ verificationId: started.verificationId, status: started.status })}`);
    }
  } catch (err) {
    explainStartRefusal(err);
  }
});

/**
 * "Verify with your SIM": the broker starts with the credential channel (SMS next) and answers the OpenID4VP request,
 * which goes to the browser as it is; the credential's vp_token goes back to the broker, which verifies it with the
 * operator. No credential, or one the broker refuses: the SMS path, where the code page says why in one line.
 */
simSubmit.addEventListener('click', async () => {
  touched = true;
  const parsed = check();
  if (!parsed) {
    phone.focus();
    return;
  }
  say(message, '');
  busy(true);
  showProgress('credential');
  let started;
  try {
    started = await api('/v1/verifications', {
      method: 'POST',
      body: { phoneNumber: parsed.e164, workflow: [{ channel: 'digital_credential' }, { channel: 'sms' }], lang: pageLanguage() },
    });
  } catch (err) {
    return explainStartRefusal(err);
  }
  const id = started.verificationId;
  rememberNumber(id, parsed.e164);
  // no credential channel for this number (no aggregator serves it): the broker is already on SMS
  if (!started.digitalCredentialRequest) return toCodePage(id, started.status);

  advanceProgress('credential');
  const answer = sandboxWallet
    ? await askSandboxWallet(id, started.digitalCredentialRequest)
    : await askForSimCredential(started.digitalCredentialRequest);
  if (answer.declined) return toCodePage(id, started.status, answer.declined);
  $('#progress-detail').textContent = 'Your operator is confirming the number from the credential…';
  try {
    const checked = await api(`/v1/verifications/${encodeURIComponent(id)}/credential`, { method: 'POST', body: { vp_token: answer.vpToken } });
    if (checked.status === 'verified') return location.assign(`result.html?${new URLSearchParams({ verificationId: id, status: 'verified' })}`);
    toCodePage(id, checked.status, 'refused');
  } catch {
    // refused (a stale or replayed presentation, another number, the operator said no): the code page reads the
    // verification again and offers the SMS, or says it is over
    toCodePage(id, 'awaiting_credential', 'refused');
  }
});

/**
 * The sandbox's demo of verifying without an SMS, for a browser that holds no SIM credential: the same button and
 * flow, with the broker's test wallet (POST /sandbox/wallet) standing in for a phone's Credential Manager.
 */
function offerSandboxWallet() {
  sandboxWallet = true;
  simSubmit.textContent = 'Verify with your SIM (sandbox test wallet, no SMS)';
  $('#sim-credential-hint').textContent = "Sandbox only: this browser holds no SIM credential, so the sandbox's test wallet plays your phone's and presents one for a sandbox SIM's number. Nothing is texted.";
  $('#sim-credential').hidden = false;
}

function toCodePage(verificationId, status, credential) {
  location.assign(`otp.html?${new URLSearchParams({ verificationId, status, ...(credential && { credential }) })}`);
}

function explainStartRefusal(err) {
  busy(false);
  showForm();
  if (err.code === 'INVALID_ARGUMENT') {
    phone.setAttribute('aria-invalid', 'true');
    phoneError.textContent = err.message;
    phone.focus();
  } else if (err.code === 'TOO_MANY_REQUESTS') {
    say(message, describeTooMany(err), 'error', 'Not now.');
    message.focus();
  } else {
    say(message, err.message, 'error', 'We could not start the verification.');
  }
}

// coming back with the Back button restores this page from the cache: show the form again
addEventListener('pageshow', (event) => {
  if (event.persisted) {
    busy(false);
    showForm();
  }
});

/** Validates the field; shows the message unless quiet. Returns the parsed number or null. */
function check({ quiet = false } = {}) {
  const parsed = toE164(phone.value, country.value);
  if (parsed.error) {
    countryHint.textContent = '';
    if (!quiet) {
      phone.setAttribute('aria-invalid', 'true');
      phoneError.textContent = parsed.error;
    }
    return null;
  }
  phone.removeAttribute('aria-invalid');
  phoneError.textContent = '';
  if (parsed.country && parsed.country.iso !== country.value && phone.value.trim().match(/^(\+|00)/)) country.value = parsed.country.iso;
  countryHint.textContent = `${parsed.country ? parsed.country.name + ' · ' : ''}we will verify ${parsed.e164}`;
  return parsed;
}

function busy(on) {
  submit.disabled = on;
  simSubmit.disabled = on;
  submit.textContent = on ? 'Starting…' : 'Verify number';
}

/** The progress card while the broker starts the verification; the first step runs. */
function showProgress(kind) {
  $('#start').hidden = true;
  $('#progress').hidden = false;
  setProgressText(kind);
  $('#step-start').className = 'current';
  $('#step-operator').className = '';
  $('#progress-title').focus({ preventScroll: true });
  scrollTo(0, 0);
}

/** The broker answered: on to the operator (silent leg) or to the code page (SMS). */
function advanceProgress(kind) {
  setProgressText(kind);
  $('#step-start').className = 'done';
  $('#step-operator').className = 'current';
}

function setProgressText(kind) {
  if (kind === 'credential') {
    $('#progress-title').textContent = sandboxWallet ? "Asking the sandbox's test wallet for the SIM credential…" : 'Asking your phone for its SIM credential…';
    $('#progress-detail').textContent = sandboxWallet
      ? "The sandbox's test wallet plays your phone and shares the credential of the sandbox SIM. Nothing is texted."
      : 'Your phone asks you to share the credential its SIM holds. Nothing is texted.';
    $('#step-operator').textContent = sandboxWallet ? 'The test wallet shares the SIM credential' : 'You share the SIM credential';
    $('#step-result').textContent = 'Result';
    return;
  }
  const sms = kind === 'sms';
  $('#progress-title').textContent = sms ? 'Sending you a code by SMS…' : 'Checking with your mobile operator…';
  $('#progress-detail').textContent = sms
    ? 'Your operator cannot check a device that is not on its mobile network, so we text you a one-time code.'
    : 'Your operator recognises this phone on its mobile network. This takes a second or two.';
  $('#step-operator').textContent = sms ? 'Code sent by SMS' : 'Your operator recognises this device';
  $('#step-result').textContent = sms ? 'Enter the code' : 'Result';
}

function showForm() {
  $('#start').hidden = false;
  $('#progress').hidden = true;
}

/**
 * The operator sends the phone back to PUBLIC_URL/callback after the silent check. A phone on the LAN that
 * opened this page at another address (http://192.168.1.5:3000 while PUBLIC_URL is localhost) would be sent
 * to a host it cannot reach, or that does not hold its session: say so before it happens.
 */
function warnOfAnotherHost(publicUrl) {
  if (!publicUrl || new URL(publicUrl).origin === location.origin) return;
  say($('#host-warning'), ` The operator sends the phone back to ${publicUrl}/callback, which this device may not reach, and the session of this page lives at ${location.origin}. Restart the broker with PUBLIC_URL=${location.origin} to verify from here.`, 'info', `You opened this page at ${location.origin}, but the broker's PUBLIC_URL is ${publicUrl}.`);
}

/** Where the browser tells (Chrome on Android), start from the connection it is on. */
function preselectNetwork() {
  const type = navigator.connection?.type;
  if (type === 'wifi' || type === 'ethernet') form.elements.network.value = 'wifi';
  if (type === 'cellular') form.elements.network.value = 'cellular';
}
