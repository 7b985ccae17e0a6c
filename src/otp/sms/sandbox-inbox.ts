/**
 * The sandbox inbox: what the console provider "sent", readable by the sandbox UI and by tests.
 *
 * Rules:
 * - Development and tests only; with the console provider it is the one place a code may be read back.
 * - Bounded: the newest `perNumber` messages for each number and the `numbers` most recently written
 *   numbers are kept; older ones are dropped, so a long-running sandbox cannot grow without limit.
 */
import type { SmsMessage } from './provider.js';

export interface InboxEntry {
  to: string;
  body: string;
  /** ISO 8601 */
  sentAt: string;
}

export class SandboxInbox {
  private readonly byNumber = new Map<string, InboxEntry[]>();
  private readonly perNumber: number;
  private readonly numbers: number;
  private readonly now: () => Date;

  constructor(options: { perNumber?: number; numbers?: number; now?: () => Date } = {}) {
    this.perNumber = options.perNumber ?? 20;
    this.numbers = options.numbers ?? 1000;
    this.now = options.now ?? (() => new Date());
  }

  record(message: SmsMessage): void {
    const entries = this.byNumber.get(message.to) ?? [];
    entries.push({ to: message.to, body: message.body, sentAt: this.now().toISOString() });
    if (entries.length > this.perNumber) entries.splice(0, entries.length - this.perNumber);
    // delete then set moves the number to the end of the Map's order: the first key is the least recent
    this.byNumber.delete(message.to);
    this.byNumber.set(message.to, entries);
    while (this.byNumber.size > this.numbers) {
      this.byNumber.delete(this.byNumber.keys().next().value as string);
    }
  }

  /** Messages sent to `phoneNumber`, oldest first; copies, so callers cannot edit the inbox. */
  list(phoneNumber: string): InboxEntry[] {
    return (this.byNumber.get(phoneNumber) ?? []).map((entry) => ({ ...entry }));
  }
}
