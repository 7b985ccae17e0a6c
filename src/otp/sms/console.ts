/**
 * The console provider: "sends" by printing and by recording in the sandbox inbox. Development and tests
 * only; with the sandbox inbox it is the only place a code is ever shown.
 */
import { randomUUID } from 'node:crypto';
import { maskPhoneNumber } from '../../phone.js';
import type { SandboxInbox } from './sandbox-inbox.js';
import type { SmsMessage, SmsProvider } from './provider.js';

export class ConsoleSmsProvider implements SmsProvider {
  readonly name = 'console';

  constructor(private readonly options: { inbox: SandboxInbox; print: (line: string) => void }) {}

  async send(message: SmsMessage): Promise<{ messageId: string }> {
    const messageId = `console-${randomUUID()}`;
    this.options.inbox.record(message);
    // one line per message (the body is JSON-quoted); the number is masked like everywhere else
    this.options.print(`[sms console] to ${maskPhoneNumber(message.to)} (${messageId}): ${JSON.stringify(message.body)}`);
    return { messageId };
  }
}
