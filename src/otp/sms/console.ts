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

  /** showText false (sandbox off): the line says a message went out, never its text, and the inbox keeps nothing */
  constructor(private readonly options: { inbox: SandboxInbox; print: (line: string) => void; showText?: boolean }) {}

  async send(message: SmsMessage): Promise<{ messageId: string }> {
    const messageId = `console-${randomUUID()}`;
    const showText = this.options.showText ?? true;
    if (showText) this.options.inbox.record(message);
    // one line per message (the body is JSON-quoted); the number is masked like everywhere else
    const text = showText ? JSON.stringify(message.body) : '[text hidden: codes are shown only with the sandbox on]';
    this.options.print(`[sms console] to ${maskPhoneNumber(message.to)} (${messageId}): ${text}`);
    return { messageId };
  }
}
