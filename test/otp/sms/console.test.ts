import { describe, it, expect } from '@jest/globals';
import { ConsoleSmsProvider } from '../../../src/otp/sms/console.js';
import { SandboxInbox } from '../../../src/otp/sms/sandbox-inbox.js';

describe('ConsoleSmsProvider', () => {
  it('prints the message boxed, in one print under a heading with the number masked, and records it in the inbox', async () => {
    const inbox = new SandboxInbox();
    const lines: string[] = [];
    const provider = new ConsoleSmsProvider({ inbox, print: (line) => lines.push(line) });

    const { messageId } = await provider.send({ to: '+34600000002', body: 'Acme: code 123456.\n\n@example.com #123456' });

    expect(provider.name).toBe('console');
    expect(messageId).toMatch(/^console-/);
    expect(lines).toHaveLength(1);
    const [heading, ...box] = lines[0].split('\n');
    expect(heading).toMatch(/^\[sms console\] to \+3460\*{5}02 \(console-[\w-]+\)$/);
    expect(box).toEqual([expect.stringMatching(/^  ┌─+$/), '  │ Acme: code 123456.', '  │ ', '  │ @example.com #123456', expect.stringMatching(/^  └─+$/)]);
    expect(lines[0]).not.toContain('+34600000002');
    expect(inbox.list('+34600000002')).toEqual([
      { to: '+34600000002', body: 'Acme: code 123456.\n\n@example.com #123456', sentAt: expect.any(String) },
    ]);
  });

  it('a message cannot move the terminal: control characters are printed as ?', async () => {
    const lines: string[] = [];
    const provider = new ConsoleSmsProvider({ inbox: new SandboxInbox(), print: (line) => lines.push(line) });
    await provider.send({ to: '+34600000002', body: 'Brand\u001b[2J\r: code 123456' });
    expect(lines[0]).toContain('  │ Brand?[2J?: code 123456');
    expect(lines[0]).not.toMatch(/[\u001b\r]/);
  });
});

describe('SandboxInbox', () => {
  it('lists messages per number, oldest first, with the time they were sent', () => {
    let t = Date.UTC(2025, 0, 1);
    const inbox = new SandboxInbox({ now: () => new Date((t += 1000)) });
    inbox.record({ to: '+34600000002', body: 'one' });
    inbox.record({ to: '+34600000003', body: 'other' });
    inbox.record({ to: '+34600000002', body: 'two' });
    expect(inbox.list('+34600000002')).toEqual([
      { to: '+34600000002', body: 'one', sentAt: '2025-01-01T00:00:01.000Z' },
      { to: '+34600000002', body: 'two', sentAt: '2025-01-01T00:00:03.000Z' },
    ]);
    expect(inbox.list('+34600000009')).toEqual([]);
  });

  it('keeps only the newest 20 messages of a number by default', () => {
    const inbox = new SandboxInbox();
    for (let i = 0; i < 25; i++) inbox.record({ to: '+34600000002', body: `m${i}` });
    const bodies = inbox.list('+34600000002').map((m) => m.body);
    expect(bodies).toHaveLength(20);
    expect(bodies[0]).toBe('m5');
    expect(bodies.at(-1)).toBe('m24');
  });

  it('keeps at most 1000 numbers by default, dropping the least recently written', () => {
    const inbox = new SandboxInbox();
    inbox.record({ to: '+10000000000', body: 'first' });
    inbox.record({ to: '+10000000001', body: 'second' });
    inbox.record({ to: '+10000000000', body: 'first again' }); // now more recent than +10000000001
    for (let i = 2; i <= 1000; i++) inbox.record({ to: `+1${String(i).padStart(10, '0')}`, body: 'x' });
    expect(inbox.list('+10000000001')).toEqual([]);
    expect(inbox.list('+10000000000')).toHaveLength(2);
    expect(inbox.list('+10000001000')).toHaveLength(1);
  });

  it('hands out copies, so a reader cannot change what is stored', () => {
    const inbox = new SandboxInbox();
    inbox.record({ to: '+34600000002', body: 'one' });
    const [entry] = inbox.list('+34600000002');
    entry.body = 'changed';
    expect(inbox.list('+34600000002')[0].body).toBe('one');
  });
});

describe('the console provider with the sandbox off', () => {
  it('prints that a message went out, never its text, and keeps nothing in the inbox', async () => {
    const inbox = new SandboxInbox();
    const lines: string[] = [];
    const provider = new ConsoleSmsProvider({ inbox, print: (line) => lines.push(line), showText: false });
    await provider.send({ to: '+34600000002', body: 'Verify: your code is 123456\n\n@example.com #123456' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('+3460*****02');
    expect(lines[0]).toContain('[text hidden');
    expect(lines[0]).not.toContain('123456');
    expect(inbox.list('+34600000002')).toEqual([]);
  });
});
