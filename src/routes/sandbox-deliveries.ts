import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { maskPhoneNumber } from '../phone.js';
import type { Delivery } from '../store/store.js';
import { deliveryView } from '../webhooks/deliveries.js';

const RECENT = 50;
const E164 = /^\+[1-9]\d{4,14}$/;
const SECRET_KEY = /secret|token|password|otp|code$/i;

/**
 * GET /sandbox/deliveries (sandbox only): the latest webhook deliveries, for the developer page.
 *
 * Rules: the signed payload carries the full phone number, so every E.164 string in it is masked, and any
 * field whose name suggests a secret (token, secret, password, code) is withheld. Nothing else is hidden:
 * this is what the customer's backend receives, minus what a shared screen should not show.
 */
export function sandboxDeliveries(deps: BrokerDeps): RequestHandler {
  return async (_req, res) => {
    const deliveries = await deps.store.outbox.list({ limit: RECENT });
    res.set('Cache-Control', 'no-store').json({ deliveries: deliveries.map(sandboxDeliveryView) });
  };
}

/** the admin view, with the payload masked for a shared screen */
function sandboxDeliveryView(d: Delivery) {
  const { event, ...rest } = deliveryView(d);
  return { ...rest, payload: redactForScreen(event) };
}

/** masks every E.164 string and withholds secret-looking fields, at any depth */
export function redactForScreen(value: unknown): unknown {
  if (typeof value === 'string') return E164.test(value) ? maskPhoneNumber(value) : value;
  if (Array.isArray(value)) return value.map(redactForScreen);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, SECRET_KEY.test(key) && inner !== null ? '(withheld)' : redactForScreen(inner)]),
    );
  }
  return value;
}
