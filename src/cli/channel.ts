import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigInvalid, loadConfig, type Config } from '../config/index.js';
import { ChannelInputInvalid, createChannel, listChannels, revokeChannel } from '../compat/mpass/channels.js';
import { createSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/store.js';

const USAGE = `Usage: npm run channel -- <command>

  create --ip 10.1.2.3 [--ip …] --name billing   a channel key for the mPass MNV API, usable only from those
                                                  addresses; the key is printed once and stored hashed
  list                                            channels (no keys)
  revoke <id|name>                                the key stops working at once

The store is the broker's (DATA_DIR, STORE, REDIS_URL… read from the environment as the broker reads them);
a running broker sees the change at once.`;

/** Administers mPass channel keys (seed 003, "Client Authentication") in the broker's store. */
async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== 'create' && command !== 'list' && command !== 'revoke') {
    console.error(USAGE);
    return 2;
  }
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(rest);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const store = await openStore(loadConfig(process.env));
  try {
    if (command === 'create') {
      const ips = (parsed.values.ip ?? []).flatMap((ip) => ip.split(',')).filter((ip) => ip.trim());
      const { channel, apiKey } = await createChannel(store, { name: parsed.values.name ?? '', ips }, new Date());
      console.log(
        [
          `Created channel ${channel.name} (${channel.id}) for ${channel.ips.join(', ')}.`,
          '',
          `  apikey: ${apiKey}`,
          '',
          'This is the only time the key is shown: the broker keeps only its hash. Give it to the application',
          'team; it works only from the addresses above. Revoke it with `npm run channel -- revoke <id|name>`.',
        ].join('\n'),
      );
      return 0;
    }
    if (command === 'list') {
      const channels = await listChannels(store);
      if (channels.length === 0) console.log('No channels.');
      for (const c of channels) console.log(`${c.id}  ${c.name.padEnd(20)}  ${c.ips.join(',').padEnd(20)}  created ${c.createdAt}`);
      return 0;
    }
    const target = parsed.positionals[0];
    if (!target) {
      console.error(`revoke which channel? give its id or name\n\n${USAGE}`);
      return 2;
    }
    const revoked = await revokeChannel(store, target);
    if (!revoked) {
      console.error(`No channel with id or name "${target}".`);
      return 1;
    }
    console.log(`Revoked channel ${revoked.name} (${revoked.id}): its key is refused from now on.`);
    return 0;
  } catch (err) {
    if (err instanceof ChannelInputInvalid) {
      console.error(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  } finally {
    await store.close();
  }
}

function parseOptions(args: string[]) {
  return parseArgs({ args, allowPositionals: true, options: { ip: { type: 'string', multiple: true }, name: { type: 'string' } } });
}

/** The same store the broker opens (build-deps.ts): SQLite in DATA_DIR (WAL, so the broker may be running) or Redis. */
async function openStore(config: Readonly<Config>): Promise<Store> {
  if (config.store.kind === 'redis') {
    const { createRedisStore } = await import('../store/redis/index.js');
    return createRedisStore({ url: config.store.redisUrl!, keyPrefix: config.store.redisKeyPrefix, logger: pino({ level: 'warn' }, pino.destination(2)) });
  }
  return createSqliteStore({ file: path.join(config.dataDir, 'broker.sqlite') });
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigInvalid ? err.message : err);
    process.exit(1);
  },
);
