import type { Express } from 'express';
import { z } from 'zod';

export type Spec = {
  paths: Record<string, Record<string, any>>;
  webhooks?: Record<string, Record<string, any>>;
  components: { schemas: Record<string, unknown>; [k: string]: any };
  [k: string]: any;
};

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Follows a local `$ref` (`#/components/...`) to what it names. */
export function resolve<T = any>(spec: Spec, value: any): T {
  if (!value || typeof value !== 'object' || typeof value.$ref !== 'string') return value;
  const target = (value.$ref as string).replace(/^#\//, '').split('/').reduce((node: any, key) => node?.[key], spec);
  if (target === undefined) throw new Error(`unresolved ${value.$ref}`);
  return resolve(spec, target);
}

/**
 * A zod validator for a JSON Schema of the description (OpenAPI 3.1 schemas are JSON Schema 2020-12): the
 * components become `$defs`, so their `$ref`s resolve, and zod's own `fromJSONSchema` does the rest.
 */
export function validatorFor(spec: Spec, schema: unknown): (value: unknown) => string[] {
  const rewrite = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll('"#/components/schemas/', '"#/$defs/'));
  const root = { $defs: rewrite(spec.components.schemas), ...rewrite(schema) };
  const zod = z.fromJSONSchema(root);
  return (value) => {
    const result = zod.safeParse(value);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  };
}

/** Every method + path the Express app routes, from its router stack (nested routers included), as OpenAPI paths. */
export function routesOf(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: any[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const method of Object.keys(layer.route.methods).filter((m) => layer.route.methods[m] && m !== '_all')) {
            found.push(`${method.toUpperCase()} ${toOpenApiPath(prefix + path)}`);
          }
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as any).router.stack, '');
  return [...new Set(found)].sort();
}

export function toOpenApiPath(expressPath: string): string {
  if (/[*?()[\]]/.test(expressPath)) throw new Error(`route ${expressPath} uses a pattern OpenAPI paths cannot say`);
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

/** Every method + path the description holds. */
export function describedRoutes(spec: Spec): string[] {
  return Object.entries(spec.paths)
    .flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

/** The description's path template that a concrete path matches (`/v1/verifications/vrf_x` → `/v1/verifications/{id}`). */
export function templateOf(spec: Spec, path: string): string | undefined {
  return Object.keys(spec.paths).find((template) => {
    const pattern = new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`);
    return pattern.test(path);
  });
}

export interface Example {
  where: string;
  schema: unknown;
  value: unknown;
}

/** Every example the description gives, with the schema it must satisfy: parameters, request and response bodies, in paths and webhooks. */
export function examplesOf(spec: Spec): Example[] {
  const out: Example[] = [];
  const fromContent = (where: string, content: Record<string, any> | undefined) => {
    for (const [type, media] of Object.entries(content ?? {})) {
      if (!media.schema) continue;
      if ('example' in media) out.push({ where: `${where} ${type} example`, schema: media.schema, value: media.example });
      for (const [name, ex] of Object.entries<any>(media.examples ?? {})) out.push({ where: `${where} ${type} examples.${name}`, schema: media.schema, value: resolve(spec, ex).value });
    }
  };
  const fromOperations = (kind: string, items: Record<string, Record<string, any>>) => {
    for (const [path, rawItem] of Object.entries(items)) {
      const item = resolve(spec, rawItem);
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const where = `${kind} ${method.toUpperCase()} ${path}`;
        for (const raw of [...(item.parameters ?? []), ...(operation.parameters ?? [])]) {
          const parameter = resolve(spec, raw);
          if ('example' in parameter) out.push({ where: `${where} parameter ${parameter.name}`, schema: parameter.schema, value: parameter.example });
        }
        if (operation.requestBody) fromContent(`${where} request`, resolve(spec, operation.requestBody).content);
        for (const [status, response] of Object.entries<any>(operation.responses ?? {})) fromContent(`${where} ${status}`, resolve(spec, response).content);
      }
    }
  };
  fromOperations('path', spec.paths);
  fromOperations('webhook', spec.webhooks ?? {});
  for (const [name, raw] of Object.entries(spec.components.parameters ?? {})) {
    const parameter = raw as any;
    if ('example' in parameter) out.push({ where: `components.parameters.${name}`, schema: parameter.schema, value: parameter.example });
  }
  for (const [name, schema] of Object.entries<any>(spec.components.schemas)) {
    for (const [i, value] of (schema.examples ?? []).entries()) out.push({ where: `components.schemas.${name} examples[${i}]`, schema: { $ref: `#/components/schemas/${name}` }, value });
  }
  return out;
}
