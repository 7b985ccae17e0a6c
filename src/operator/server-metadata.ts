import type * as client from 'openid-client';

const cache = new WeakMap<client.Configuration, client.ServerMetadata>();

/**
 * The operator's authorization-server metadata, read once per discovered configuration. openid-client's
 * `serverMetadata()` returns a structuredClone on every call, which the profile of GET /login showed at 4.5% of its
 * CPU (three calls per start); the metadata never changes after discovery, so one copy serves every request. Callers
 * only read it.
 */
export function serverMetadataOf(config: client.Configuration): Readonly<client.ServerMetadata> {
  let metadata = cache.get(config);
  if (!metadata) cache.set(config, (metadata = config.serverMetadata()));
  return metadata;
}
