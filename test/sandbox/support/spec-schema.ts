// Checks response bodies against the schemas of the published CAMARA spec files (test/specs), so the
// sandbox's answers are held to the documents the broker's clients are written from. A small OpenAPI 3.0
// schema checker: only the keywords those files use.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import yaml from 'js-yaml';

type Schema = Record<string, any>;

export interface Spec {
  name: string;
  document: Schema;
}

const SPECS_DIR = fileURLToPath(new URL('../../specs/', import.meta.url));
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function loadSpec(file: string): Spec {
  return { name: file, document: yaml.safeLoad(readFileSync(path.join(SPECS_DIR, file), 'utf8')) as Schema };
}

/** The JSON schema of the `status` response of `POST {path}`, or undefined when that response has no body. */
export function responseSchema(spec: Spec, apiPath: string, status: number): Schema | undefined {
  const operation = spec.document.paths?.[apiPath]?.post;
  if (!operation) throw new Error(`${spec.name}: no POST ${apiPath}`);
  const response = operation.responses?.[String(status)];
  if (!response) throw new Error(`${spec.name}: POST ${apiPath} documents no ${status} response`);
  return resolve(spec, response).content?.['application/json']?.schema;
}

/** Where `value` breaks the documented `status` response of `POST {path}`; empty when it conforms. */
export function specViolations(spec: Spec, apiPath: string, status: number, value: unknown): string[] {
  const schema = responseSchema(spec, apiPath, status);
  if (!schema) return value === undefined || value === '' ? [] : [`$: ${status} documents no body`];
  return violations(spec, schema, value, '$');
}

function resolve(spec: Spec, node: Schema): Schema {
  if (typeof node?.$ref !== 'string') return node;
  const target = node.$ref.replace(/^#\//, '').split('/').reduce((at: Schema, key: string) => at?.[key], spec.document);
  if (!target) throw new Error(`${spec.name}: unresolved ${node.$ref}`);
  return resolve(spec, target);
}

function violations(spec: Spec, node: Schema, value: unknown, at: string): string[] {
  const schema = resolve(spec, node);
  const found: string[] = [];
  for (const part of schema.allOf ?? []) found.push(...violations(spec, part, value, at));
  if (value === null) return schema.nullable ? found : [...found, `${at}: null is not allowed`];
  if (schema.enum && !schema.enum.includes(value)) found.push(`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [...found, `${at}: not an object`];
      const record = value as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!(key in record)) found.push(`${at}.${key}: required`);
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        if (key in record) found.push(...violations(spec, property as Schema, record[key], `${at}.${key}`));
      }
      break;
    }
    case 'string':
      if (typeof value !== 'string') return [...found, `${at}: not a string`];
      if (schema.pattern && !new RegExp(schema.pattern).test(value)) found.push(`${at}: does not match ${schema.pattern}`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) found.push(`${at}: longer than ${schema.maxLength}`);
      if (schema.format === 'date-time' && !(DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)))) found.push(`${at}: not an RFC 3339 date-time with a time zone`);
      if (schema.format === 'date' && !DATE.test(value)) found.push(`${at}: not an RFC 3339 date`);
      break;
    case 'integer':
      if (!Number.isInteger(value)) return [...found, `${at}: not an integer`];
      if (schema.minimum !== undefined && (value as number) < schema.minimum) found.push(`${at}: below ${schema.minimum}`);
      if (schema.maximum !== undefined && (value as number) > schema.maximum) found.push(`${at}: above ${schema.maximum}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') found.push(`${at}: not a boolean`);
      break;
  }
  return found;
}
