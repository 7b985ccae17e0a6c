import type { BrokerDeps } from '../../deps.js';
import { z } from 'zod';
import type { Verification } from '../../domain/verification.js';
import type { RecordKind } from '../../store/store.js';
import type { Channel } from './channels.js';

/** channel + destination number → the verification of the latest code sent there */
const LATEST: RecordKind<{ verificationId: string }> = { namespace: 'mpass-dest', schema: z.object({ verificationId: z.string() }) };

/**
 * mPass names a code by channel and destination number only, so the facade remembers, per channel and
 * number, the verification its latest send belongs to. The record outlives the verification by a day, so
 * a late verify is told "Expired" rather than "Reject"; each channel sees only its own sends.
 */
export async function latestFor(deps: BrokerDeps, channel: Channel, dest: string): Promise<Verification | undefined> {
  const record = await deps.store.records.get(LATEST, key(channel, dest));
  return record && (await deps.store.verifications.get(record.verificationId));
}

export async function rememberLatest(deps: BrokerDeps, channel: Channel, dest: string, verificationId: string): Promise<void> {
  await deps.store.records.put(LATEST, key(channel, dest), { verificationId }, deps.config.verification.ttlSeconds + 24 * 3600);
}

export function ownerIdFor(channel: Channel): string {
  return `mpass:${channel.id}`;
}

function key(channel: Channel, dest: string): string {
  return `${channel.id}:${dest}`;
}
