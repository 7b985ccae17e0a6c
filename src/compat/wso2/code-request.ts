import type { RequestHandler } from 'express';
import { z } from 'zod';
import { IdentityError } from './errors.js';

/** WSO2 writes every property value as text; a number or boolean is read as WSO2 would, anything else refused */
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * The body of validate-code and resend-code, as seed 004 and WSO2's identity user API write it:
 * `{"code"?, "properties"?: [{"key", "value"}], "user"?: {"username"?, "id"?, "realm"?}}`. Other fields
 * are ignored, as WSO2 does; nested values are never objects the client shaped, so nothing below calls
 * String() or a method on one.
 */
const codeRequestSchema = z.looseObject({
  code: z.string().max(64).optional(),
  properties: z.array(z.looseObject({ key: z.string().max(256), value: scalar.optional() })).max(100).optional(),
  user: z.looseObject({ username: z.string().max(256).optional(), id: z.string().max(256).optional(), realm: scalar.optional() }).optional(),
});

/** which WSO2 refusal a malformed field is: the one a wrong value of that field gets anyway */
const REFUSALS: Record<string, [string, string]> = {
  code: ['18001', 'Invalid Code'],
  properties: ['UAR-10011', 'Invalid recovery scenario'],
  user: ['18003', 'Invalid User'],
};

/** Parses the body in place (after express.json), or refuses it with WSO2's 400 for the field at fault. */
export const parseCodeRequest: RequestHandler = (req, _res, next) => {
  const parsed = codeRequestSchema.safeParse(req.body ?? {});
  if (parsed.success) {
    req.body = parsed.data;
    return next();
  }
  const issue = parsed.error.issues[0];
  const field = issue.path.map(String).join('.');
  const [code, title] = REFUSALS[String(issue.path[0])] ?? ['18013', 'Bad Request'];
  next(new IdentityError(400, code, title, field ? `${field}: ${issue.message}` : `The body must be a JSON object: ${issue.message}`));
};
