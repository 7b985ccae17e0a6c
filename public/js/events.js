// Words for a verification's events, shared by the result page and the developer page.
import { describeReason } from './common.js';

/** {title, detail, tone} for one event; tone colours the timeline dot (ok | bad | sms | ''). */
export function describeEvent(e) {
  const d = e.detail ?? {};
  switch (e.type) {
    case 'created':
      return { title: 'Verification started', detail: d.network ? `network: ${d.network}` : '' };
    case 'operator_redirect':
      return { title: 'Sent to the mobile operator', detail: d.operator ? `operator: ${d.operator}` : '' };
    case 'credential_requested':
      return { title: 'Asked the device for its SIM credential', detail: d.operator ? `operator: ${d.operator}` : '' };
    case 'credential_presented':
      return { title: 'SIM credential presented' };
    case 'callback_received':
      return { title: 'Operator sent the device back' };
    case 'token_exchanged':
      return { title: 'Access token obtained from the operator' };
    case 'number_checked':
      return d.match === false
        ? { title: 'Operator: the SIM has another number', detail: 'Number Verification answered false', tone: 'bad' }
        : { title: 'Operator confirmed the number', detail: 'Number Verification answered true', tone: 'ok' };
    case 'fallback_required':
      return { title: 'Falling back to an SMS code', detail: d.reason ? `because ${describeReason(d.reason)}` : '', tone: 'sms' };
    case 'otp_sent':
      return { title: d.send > 1 ? `New code sent by SMS (send ${d.send})` : 'Code sent by SMS', detail: d.provider ? `provider: ${d.provider}` : '', tone: 'sms' };
    case 'sms_failed':
      return { title: 'The SMS could not be sent', tone: 'bad' };
    case 'sms_refused':
      return { title: 'SMS refused', detail: d.code === 'NOT_A_MOBILE_NUMBER' ? 'a landline cannot receive a text' : d.code ? String(d.code) : '', tone: 'bad' };
    case 'code_checked':
      return d.result === 'match'
        ? { title: 'Code checked: correct', detail: d.attempt ? `attempt ${d.attempt}` : '', tone: 'ok' }
        : { title: 'Code checked: wrong code', detail: d.attempt ? `attempt ${d.attempt}` : '', tone: 'bad' };
    case 'completion_code_issued':
      return { title: 'Another device came back: completion code handed to it', detail: 'the browser or app that started must present it', tone: 'sms' };
    case 'completion_code_checked':
      return d.result === 'match'
        ? { title: 'Completion code presented: correct', tone: 'ok' }
        : { title: 'Completion code presented: wrong code', detail: d.attempt ? `attempt ${d.attempt}` : '', tone: 'bad' };
    case 'verified':
      return { title: 'Number verified', tone: 'ok' };
    case 'failed':
      return { title: 'Verification failed', detail: d.reason ? describeReason(d.reason) : '', tone: 'bad' };
    case 'expired':
      return { title: 'Verification expired', tone: 'bad' };
    case 'webhook_delivered':
      return { title: 'Webhook delivered to your backend', detail: webhookDetail(d), tone: 'ok' };
    case 'webhook_attempt_failed':
      return { title: 'Webhook attempt failed; it will be retried', detail: webhookDetail(d), tone: 'bad' };
    case 'webhook_failed':
      return { title: 'Webhook failed: no attempts left', detail: webhookDetail(d), tone: 'bad' };
    case 'webhook_not_sent':
      return { title: 'Webhook not sent: WEBHOOK_URL is not set', detail: `${d.event ?? ''} · set WEBHOOK_URL and replay it from the developer page`, tone: 'bad' };
    case 'rate_limited':
      return { title: 'Refused: too many requests', detail: detailText(d), tone: 'bad' };
    default:
      return { title: e.type.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase()), detail: detailText(d) };
  }
}

function webhookDetail(d) {
  return [d.event, d.status && `HTTP ${d.status}`, d.attempt && `attempt ${d.attempt}`].filter(Boolean).join(' · ');
}

function detailText(d) {
  return Object.entries(d).map(([k, v]) => `${k}: ${v}`).join(', ');
}
