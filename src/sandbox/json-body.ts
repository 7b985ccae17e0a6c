import express from 'express';

import { InvalidArgument } from './errors.js';

/** Any content type is read as text, so a body that is not JSON gets CAMARA's 400 rather than a silent `{}`. */
export const readBodyAsText = express.text({ type: () => true, limit: '16kb' });

/** Parses a request body read as text: a JSON object, or 400 INVALID_ARGUMENT. */
export function parseJsonObject(rawBody: unknown): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(typeof rawBody === 'string' ? rawBody : '');
  } catch {
    throw new InvalidArgument('The request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidArgument('The request body must be a JSON object');
  return body as Record<string, unknown>;
}
