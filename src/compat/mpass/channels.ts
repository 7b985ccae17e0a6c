import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { RecordKind, Store } from '../../store/store.js';

/**
 * mPass channel keys (seed 003, "4.1 Client Authentication"): an administrator creates a key for the IP
 * address of the application server that will call the MNV API, and the key identifies that caller.
 *
 * Rules:
 * - a key is 256 random bits, shown once at creation; the store keeps only its SHA-256 (a key this long
 *   needs no slow hash), under which the channel is looked up;
 * - a key is accepted only from one of its channel's addresses (IPv4-mapped IPv6 counts as the IPv4
 *   address); an unknown key, a revoked one, or a known one from another address is refused alike;
 * - channels are listed from an index record, which only the CLI writes (one administrator at a time).
 */
const channelSchema = z.object({ id: z.string(), name: z.string(), ips: z.array(z.string()), createdAt: z.string() });
export type Channel = z.infer<typeof channelSchema>;
const indexEntrySchema = channelSchema.extend({ keyDigest: z.string() });
type IndexEntry = z.infer<typeof indexEntrySchema>;

/** key digest → its channel */
const KEYS: RecordKind<Channel> = { namespace: 'mpass-channel-key', schema: channelSchema };
/** every channel, for the CLI's list */
const INDEX: RecordKind<IndexEntry[]> = { namespace: 'mpass-channels', schema: z.array(indexEntrySchema) };
const INDEX_KEY = 'all';

export class ChannelInputInvalid extends Error {}

export async function createChannel(store: Store, input: { name: string; ips: string[] }, now: Date): Promise<{ channel: Channel; apiKey: string }> {
  const name = input.name.trim();
  if (!/^[\w .-]{1,64}$/.test(name)) throw new ChannelInputInvalid('--name must be 1–64 letters, digits, spaces, _ . or -');
  if (input.ips.length === 0) throw new ChannelInputInvalid('give the caller address with --ip (repeat it, or separate with commas, for several)');
  const ips = input.ips.map(normaliseIp);
  const bad = ips.find((ip) => !isIP(ip));
  if (bad !== undefined) throw new ChannelInputInvalid(`--ip ${bad} is not an IPv4 or IPv6 address`);
  const index = await readIndex(store);
  if (index.some((c) => c.name === name)) throw new ChannelInputInvalid(`a channel named "${name}" exists; revoke it first or choose another name`);

  const apiKey = `mpk_${randomBytes(32).toString('base64url')}`;
  const channel: Channel = { id: `chn_${randomUUID()}`, name, ips: [...new Set(ips)], createdAt: now.toISOString() };
  const keyDigest = digest(apiKey);
  await store.records.put(KEYS, keyDigest, channel);
  await store.records.put(INDEX, INDEX_KEY, [...index, { ...channel, keyDigest }]);
  return { channel, apiKey };
}

export async function listChannels(store: Store): Promise<Channel[]> {
  return (await readIndex(store)).map(({ keyDigest: _, ...channel }) => channel);
}

/** Revokes by id or name; returns the revoked channel, or undefined when none matched. */
export async function revokeChannel(store: Store, idOrName: string): Promise<Channel | undefined> {
  const index = await readIndex(store);
  const found = index.find((c) => c.id === idOrName || c.name === idOrName);
  if (!found) return undefined;
  await store.records.delete(KEYS, found.keyDigest);
  await store.records.put(INDEX, INDEX_KEY, index.filter((c) => c !== found));
  const { keyDigest: _, ...channel } = found;
  return channel;
}

/** The channel a key belongs to, if the key is known and used from one of the channel's addresses. */
export async function authenticateChannel(store: Store, apiKey: string, clientIp: string | undefined): Promise<Channel | undefined> {
  if (!/^[\x21-\x7e]{1,200}$/.test(apiKey)) return undefined;
  const keyDigest = digest(apiKey);
  const channel = await store.records.get(KEYS, keyDigest);
  if (!channel || clientIp === undefined) return undefined;
  return channel.ips.includes(normaliseIp(clientIp)) ? channel : undefined;
}

function normaliseIp(ip: string): string {
  const trimmed = ip.trim().toLowerCase();
  return trimmed.startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
}

function digest(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

async function readIndex(store: Store): Promise<IndexEntry[]> {
  return (await store.records.get(INDEX, INDEX_KEY)) ?? [];
}
