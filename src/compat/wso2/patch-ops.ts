import type { BrokerDeps } from '../../deps.js';
import { ScimError } from './errors.js';
import { mobileNumberFrom } from './numbers.js';
import { WSO2_SCHEMA } from './scim-user.js';
import type { MobileNumber } from './users.js';

export type NumberIntent = { kind: 'primary'; number: MobileNumber } | { kind: 'verifiedList'; numbers: MobileNumber[] };

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const MOBILE_PATHS = new Set(['phonenumbers', 'phonenumbers[type eq "mobile"]', 'phonenumbers[type eq "mobile"].value', 'mobilenumbers']);
const VERIFIED_PATH = `${WSO2_SCHEMA}:verifiedMobileNumbers`.toLowerCase();

/**
 * Reads the SCIM PatchOp subset of seed 004 into what it asks for, checking everything before anything
 * is changed or sent.
 *
 * Rules:
 * - `schemas` names the PatchOp message; `Operations` holds 1–10 operations;
 * - `op` is `add` or `replace` (case-insensitive, RFC 7644 §3.5.2); both set the single mobile number or
 *   replace the whole verified list; `remove` is not supported;
 * - without `path`, `value` is an object with `phoneNumbers` (also `mobileNumbers`, as the seed's
 *   template spells it) and/or `urn:scim:wso2:schema` `{verifiedMobileNumbers}`; with a `path`, it is one
 *   of `phoneNumbers`, `phoneNumbers[type eq "mobile"]`, `phoneNumbers[type eq "mobile"].value` or
 *   `urn:scim:wso2:schema:verifiedMobileNumbers`, and `value` is what that path holds;
 * - `phoneNumbers` holds exactly one entry of type `mobile` (other types are not kept by the broker);
 *   `verifiedMobileNumbers` is a comma-separated string, as the seed shows, or an array of strings;
 * - any other attribute is refused by name (400 invalidPath), rather than silently dropped.
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export function readPatch(deps: BrokerDeps, body: unknown): NumberIntent[] {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'The request body must be a SCIM PatchOp JSON object.');
  if (!Array.isArray(body.schemas) || !body.schemas.includes(PATCH_OP)) throw new ScimError(400, 'invalidSyntax', `schemas must contain ${PATCH_OP}.`);
  const operations = body.Operations;
  if (!Array.isArray(operations) || operations.length === 0 || operations.length > 10) throw new ScimError(400, 'invalidSyntax', 'Operations must hold 1 to 10 operations.');
  return operations.flatMap((operation, i) => readOperation(deps, operation, `Operations[${i}]`));
}

function readOperation(deps: BrokerDeps, operation: unknown, where: string): NumberIntent[] {
  if (!isObject(operation)) throw new ScimError(400, 'invalidSyntax', `${where} must be an object.`);
  const op = typeof operation.op === 'string' ? operation.op.toLowerCase() : undefined;
  if (op === 'remove') throw new ScimError(400, 'invalidValue', `${where}: remove is not supported; replace the number or the verified list instead.`);
  if (op !== 'add' && op !== 'replace') throw new ScimError(400, 'invalidSyntax', `${where}.op must be add or replace.`);
  if (operation.path !== undefined) {
    if (typeof operation.path !== 'string') throw new ScimError(400, 'invalidPath', `${where}.path must be a string.`);
    return [readPath(deps, operation.path, operation.value, where)];
  }
  if (!isObject(operation.value)) throw new ScimError(400, 'invalidValue', `${where}.value must be an object when there is no path.`);
  const intents: NumberIntent[] = [];
  for (const [attribute, value] of Object.entries(operation.value)) {
    if (MOBILE_PATHS.has(attribute.toLowerCase())) intents.push({ kind: 'primary', number: readMobile(deps, value, `${where}.value.${attribute}`) });
    else if (attribute === WSO2_SCHEMA) intents.push(readWso2Extension(deps, value, `${where}.value["${WSO2_SCHEMA}"]`));
    else throw new ScimError(400, 'invalidPath', `${where}: the broker keeps only the mobile number and the verified mobile numbers, not ${attribute}.`);
  }
  if (intents.length === 0) throw new ScimError(400, 'invalidValue', `${where}.value changes nothing.`);
  return intents;
}

function readPath(deps: BrokerDeps, path: string, value: unknown, where: string): NumberIntent {
  const normalised = path.trim().replace(/\s+/g, ' ').toLowerCase();
  if (normalised === VERIFIED_PATH) return { kind: 'verifiedList', numbers: readList(deps, value, `${where}.value`) };
  if (normalised === 'phonenumbers[type eq "mobile"].value') return { kind: 'primary', number: mobileNumberFrom(deps, value, `${where}.value`) };
  if (normalised === 'phonenumbers[type eq "mobile"]') return { kind: 'primary', number: readMobile(deps, isObject(value) ? [{ type: 'mobile', ...value }] : value, `${where}.value`) };
  if (MOBILE_PATHS.has(normalised)) return { kind: 'primary', number: readMobile(deps, value, `${where}.value`) };
  throw new ScimError(400, 'invalidPath', `${where}: unsupported path ${path}; the broker keeps only phoneNumbers (mobile) and ${WSO2_SCHEMA}:verifiedMobileNumbers.`);
}

function readMobile(deps: BrokerDeps, value: unknown, where: string): MobileNumber {
  if (!Array.isArray(value) || value.length === 0) throw new ScimError(400, 'invalidValue', `${where} must be a list with one {"type": "mobile", "value": …}.`);
  const others = value.filter((entry) => !isObject(entry) || entry.type !== 'mobile');
  if (others.length > 0) throw new ScimError(400, 'invalidValue', `${where}: only numbers of type mobile are kept by the broker.`);
  if (value.length > 1) throw new ScimError(400, 'invalidValue', `${where}: a user has one mobile number; send one.`);
  return mobileNumberFrom(deps, (value[0] as Record<string, unknown>).value, `${where}[0].value`);
}

function readWso2Extension(deps: BrokerDeps, value: unknown, where: string): NumberIntent {
  if (!isObject(value)) throw new ScimError(400, 'invalidValue', `${where} must be an object.`);
  const unknown = Object.keys(value).filter((k) => k !== 'verifiedMobileNumbers');
  if (unknown.length > 0) throw new ScimError(400, 'invalidPath', `${where}: the broker keeps only verifiedMobileNumbers, not ${unknown.join(', ')}.`);
  if (!('verifiedMobileNumbers' in value)) throw new ScimError(400, 'invalidValue', `${where} changes nothing.`);
  return { kind: 'verifiedList', numbers: readList(deps, value.verifiedMobileNumbers, `${where}.verifiedMobileNumbers`) };
}

function readList(deps: BrokerDeps, value: unknown, where: string): MobileNumber[] {
  const items = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
  if (!Array.isArray(items) || items.length > 10) throw new ScimError(400, 'invalidValue', `${where} must be a comma-separated string (or a list) of at most 10 numbers.`);
  const numbers = items.map((item, i) => mobileNumberFrom(deps, item, `${where}[${i}]`));
  return numbers.filter((n, i) => numbers.findIndex((m) => m.e164 === n.e164) === i);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
