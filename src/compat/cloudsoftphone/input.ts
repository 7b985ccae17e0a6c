import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import type { BrokerDeps } from '../../deps.js';
import { parseE164 } from '../../phone.js';
import { CloudSoftphoneRefusal } from './messages.js';

export type Fields = Record<string, string | number | boolean | string[]>;

/**
 * What a query string, a form or the portal's JSON can carry: flat name → text, or a list of texts (a
 * repeated parameter), or a JSON number or boolean; numberFrom and labelFrom refuse the odd ones with a
 * sentence. Objects, nested lists and null are refused here, before anything calls String() or a method
 * on a value the client shaped.
 */
const fieldsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string()).max(20)]));

/**
 * The request body, as the Cloud Softphone portal can be configured to send it: the Content-Type decides,
 * JSON for application/json and a form for anything else (the app's default is
 * application/x-www-form-urlencoded, even when it sends no Content-Type at all).
 */
export function readBody(deps: BrokerDeps): RequestHandler[] {
  const isJson = (req: IncomingMessage) => /^\s*application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
  return [
    express.json({ limit: deps.config.bodyLimit, type: isJson }),
    express.urlencoded({ limit: deps.config.bodyLimit, extended: false, type: (req) => !isJson(req) }),
  ];
}

/**
 * The request's parameters: the query string (the verifier URL may carry one even for POST) overlaid by the
 * body. A JSON body that is not an object is not a request the portal can produce.
 */
export function fieldsOf(req: Parameters<RequestHandler>[0]): Fields {
  const query = fieldsSchema.safeParse(req.query ?? {});
  const body = fieldsSchema.safeParse(req.body ?? {});
  if (!query.success || !body.success) throw new CloudSoftphoneRefusal(400, 'The request could not be understood.');
  return { ...query.data, ...body.data };
}

/**
 * The number from the first configured field that carries one (COMPAT_CLOUDSOFTPHONE_NUMBER_FIELDS).
 *
 * Rules:
 * - the app sends E.164 with its `+` and no formatting (seed 000), so that is what is accepted, and it must
 *   be a valid number for libphonenumber-js, exactly as on the native API;
 * - the refusal names what the user typed when it is short and number-like, as the seed's own example
 *   does ("The number +155 is invalid."), so the sentence stays complete within 100 characters;
 * - two fields with different numbers are refused rather than guessed between;
 * - a leading space before the digits is the `+` of a template that was not percent-encoded (query and
 *   form decoding turn `+` into a space), and is read as `+`.
 */
export function numberFrom(fields: Fields, names: readonly string[]): string {
  const given = names.map((name) => fields[name]).filter((v) => v !== undefined && v !== '');
  if (given.length === 0) throw new CloudSoftphoneRefusal(400, 'Please enter your phone number.');
  if (new Set(given.map(String)).size > 1) throw new CloudSoftphoneRefusal(400, 'The request carries two different numbers.');
  const value = typeof given[0] === 'string' && /^ \d+$/.test(given[0]) ? `+${given[0].slice(1)}` : given[0];
  try {
    return parseE164(value);
  } catch {
    const shown = typeof value === 'string' && /^\+?[0-9 ()./-]{1,24}$/.test(value) ? `The number ${value.trim()} is invalid.` : 'The phone number is invalid.';
    throw new CloudSoftphoneRefusal(400, shown);
  }
}

/** A plain text parameter (appid, version): absent, or one short line of safe characters. */
export function labelFrom(fields: Fields, names: readonly string[], what: string): string | undefined {
  const value = names.map((name) => fields[name]).find((v) => v !== undefined && v !== '');
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[\w .+:()/-]{1,100}$/.test(value)) {
    throw new CloudSoftphoneRefusal(400, `The app sent an invalid ${what}. Please update the app.`);
  }
  return value;
}
