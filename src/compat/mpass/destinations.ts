import type { BrokerDeps } from '../../deps.js';
import type { Verification } from '../../domain/verification.js';
import type { Channel } from './channels.js';

const NAMESPACE = 'mpass-dest';

/**
 * mPass names a code by channel and destination number only, so the facade remembers, per channel and
 * number, the verification its latest send belongs to. The record outlives the verification by a day, so
 * a late verify is told "Expired" rather than "Reject"; each channel sees only its own sends.
 */
export async function latestFor(deps: BrokerDeps, channel: Channel, dest: string): Promise<Verification | undefined> {
  const record = await deps.store.getRecord<{ verificationId: string }>(NAMESPACE, key(channel, dest));
  return record && (await deps.store.getVerification(record.verificationId));
}

export async function rememberLatest(deps: BrokerDeps, channel: Channel, dest: string, verificationId: string): Promise<void> {
  await deps.store.putRecord(NAMESPACE, key(channel, dest), { verificationId }, deps.config.verification.ttlSeconds + 24 * 3600);
}

export function ownerIdFor(channel: Channel): string {
  return `mpass:${channel.id}`;
}

function key(channel: Channel, dest: string): string {
  return `${channel.id}:${dest}`;
}
