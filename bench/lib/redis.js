// Redis for the Redis-store rows: the one in REDIS_URL, or a private redis-server on a free loopback port
// (no persistence) when redis-server is installed, so that memory figures are not disturbed by others.
import { spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './processes.js';

export async function openRedis(env) {
  if (env.REDIS_URL) {
    const url = new URL(env.REDIS_URL);
    if (!url.hostname.startsWith('127.') && url.hostname !== 'localhost') throw new Error('REDIS_URL must be on loopback for the benchmark');
    return { url: env.REDIS_URL, private: false, ...(await connect(env.REDIS_URL)), stop: async () => {} };
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const killOnExit = () => server.kill('SIGKILL');
  process.once('exit', killOnExit);
  server.once('exit', () => process.off('exit', killOnExit));
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      const conn = await connect(url);
      return {
        url,
        private: true,
        ...conn,
        stop: async () => {
          await conn.client.quit().catch(() => {});
          server.kill('SIGTERM');
        },
      };
    } catch (err) {
      if (Date.now() > deadline) {
        server.kill('SIGKILL');
        throw err;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function connect(url) {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {}); // connect() rejects with it; no unhandled 'error' event
  await client.connect();
  await client.ping();
  return {
    client,
    /** used_memory (bytes) and the number of keys of the current database */
    snapshot: async () => {
      const info = await client.info('memory');
      return { usedMemory: Number(/used_memory:(\d+)/.exec(info)[1]), keys: await client.dbsize() };
    },
    /**
     * MEMORY USAGE (bytes) of every key under `prefix`, grouped by kind: the key with its last segment
     * replaced by `*` when that segment is an id (`v:*`, `s:*`, `st:*`), else the key itself (`v:open`).
     */
    usageByKind: async (prefix, maxKeys = 100_000) => {
      const kinds = {};
      let cursor = '0';
      let seen = 0;
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        seen += keys.length;
        const sizes = await Promise.all(keys.map((key) => client.memory('USAGE', key, 'SAMPLES', '0')));
        keys.forEach((key, i) => {
          const rest = key.slice(prefix.length);
          const cut = rest.lastIndexOf(':');
          const kind = cut > 0 && rest.length - cut > 12 ? `${rest.slice(0, cut + 1)}*` : rest;
          kinds[kind] ??= { keys: 0, bytes: 0 };
          kinds[kind].keys++;
          kinds[kind].bytes += sizes[i] ?? 0;
        });
      } while (cursor !== '0' && seen < maxKeys);
      return kinds;
    },
    /** Deletes the keys matching `pattern` (the benchmark's own prefixes). */
    removeKeys: async (pattern) => {
      let cursor = '0';
      let rounds = 0;
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await client.unlink(...keys);
      } while (cursor !== '0' && ++rounds < 10_000);
    },
  };
}
