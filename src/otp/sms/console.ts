/**
 * The console provider: "sends" by printing and by recording in the sandbox inbox. Development and tests
 * only; with the sandbox inbox it is the only place a code is ever shown.
 */
import { randomUUID } from 'node:crypto';
import { maskPhoneNumber } from '../../phone.js';
import type { SandboxInbox } from './sandbox-inbox.js';
import type { SmsMessage, SmsProvider } from './provider.js';

const RULE = '─'.repeat(60);
/** control characters other than the line break: a message must not move the terminal's cursor or colours */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

export class ConsoleSmsProvider implements SmsProvider {
  readonly name = 'console';

  /** showText false (sandbox off): the line says a message went out, never its text, and the inbox keeps nothing */
  constructor(private readonly options: { inbox: SandboxInbox; print: (line: string) => void; showText?: boolean }) {}

  async send(message: SmsMessage): Promise<{ messageId: string }> {
    const messageId = `console-${randomUUID()}`;
    const showText = this.options.showText ?? true;
    if (showText) this.options.inbox.record(message);
    const heading = `[sms console] to ${maskPhoneNumber(message.to)} (${messageId})`;
    if (!showText) {
      this.options.print(`${heading}: [text hidden: codes are shown only with the sandbox on]`);
      return { messageId };
    }
    // boxed, one print: in a screenful of logs the code is the thing a developer looks for; the number is
    // masked like everywhere else
    const text = message.body.replace(CONTROL, '?').split('\n');
    this.options.print([heading, `  ┌${RULE}`, ...text.map((line) => `  │ ${line}`), `  └${RULE}`].join('\n'));
    return { messageId };
  }
}
