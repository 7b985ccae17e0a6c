import { parseArgs, type ParseArgsConfig } from 'node:util';
import pino from 'pino';
import type { z } from 'zod';
import type { Application } from '../applications/application.js';
import { applicationView } from '../applications/view.js';
import { openStore } from '../build-deps.js';
import { ConfigInvalid, loadConfig } from '../config/index.js';
import { BrokerError } from '../errors.js';
import { createApplication, createApplicationInput } from '../flows/applications/create-application.js';
import { listApplications } from '../flows/applications/list-applications.js';
import { revokeKey } from '../flows/applications/revoke-key.js';
import { rotateKey } from '../flows/applications/rotate-key.js';
import { showApplication } from '../flows/applications/show-application.js';
import { applicationUpdateInput, updateApplication } from '../flows/applications/update-application.js';

const USAGE = `Usage: npm run apps -- <command>

  create --name N [--id ID] [settings]   a new application and its first API key (printed once)
  list                                   the stored applications (no keys)
  show <id>                              one application as JSON: keys by id and hint, its webhook secret
  update <id> [settings]                 changes the settings given, keeps the others
  rotate-key <id>                        one more API key (printed once); the older keys stay live
  revoke-key <id> <keyId>                that key is refused from now on (it stays listed, revoked)

Settings:
  --name N                     what people call it
  --id ID                      (create only) letters, digits, _ . -; default: from the name, with a random suffix
  --webhook-url URL            where its events go; --no-webhook-url (update) removes it
  --return-url-prefix P        a returnUrl its devices may be sent to: https://app.example.com/done or an app
                               deep link such as com.example.app://verified; repeat for several (update: replaces the list)
  --sms-brand B                who its SMS say they come from (default: SMS_BRAND)
  --sms-languages es,en        the languages its users may get the SMS in
  --countries-allow ES,PT      the only countries codes may be sent to ("" for any)
  --countries-deny XX          countries codes are never sent to
  --requests-per-minute n      every request made with its keys (default 600)
  --starts-per-minute n        verifications it starts (default 60)
  --sms-per-day n              SMS codes sent for it per 24 hours (default 1000)

The store is the broker's (DATA_DIR, STORE, REDIS_URL… read from the environment as the broker reads them);
a running broker sees the change at once. Exit codes: 0 done, 1 not found or failed, 2 bad input (nothing written).`;

/** each settings flag, and the field of the admin API's body it sets (one table: input and error messages) */
const SETTINGS = [
  { flag: 'name', path: ['name'], kind: 'text' },
  { flag: 'webhook-url', path: ['webhookUrl'], kind: 'text' },
  { flag: 'return-url-prefix', path: ['returnUrlPrefixes'], kind: 'repeated' },
  { flag: 'sms-brand', path: ['sms', 'brand'], kind: 'text' },
  { flag: 'sms-languages', path: ['sms', 'languages'], kind: 'list' },
  { flag: 'countries-allow', path: ['countries', 'allow'], kind: 'countries' },
  { flag: 'countries-deny', path: ['countries', 'deny'], kind: 'countries' },
  { flag: 'requests-per-minute', path: ['limits', 'requestsPerMinute'], kind: 'number' },
  { flag: 'starts-per-minute', path: ['limits', 'startsPerMinute'], kind: 'number' },
  { flag: 'sms-per-day', path: ['limits', 'smsPerDay'], kind: 'number' },
] as const;

const OPTIONS = {
  id: { type: 'string' },
  'no-webhook-url': { type: 'boolean' },
  ...Object.fromEntries(SETTINGS.map((s) => [s.flag, s.kind === 'repeated' ? { type: 'string', multiple: true } : { type: 'string' }])),
} as const satisfies NonNullable<ParseArgsConfig['options']>;

type Values = Record<string, string | string[] | boolean | undefined>;

/** Input the administrator must fix: printed with the usage, exit code 2, nothing written. */
class CliInputInvalid extends Error {}

/**
 * Administers applications (issue 14) in the broker's store, through the same use cases as the admin API
 * (src/flows/applications), so both refuse and write exactly the same things.
 */
async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!['create', 'list', 'show', 'update', 'rotate-key', 'revoke-key'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  // input is read and checked before the store is opened: bad input never touches it
  let action: (deps: Deps) => Promise<number>;
  try {
    action = actionFor(command, parsed.values, parsed.positionals);
  } catch (err) {
    if (!(err instanceof CliInputInvalid)) throw err;
    console.error(`${err.message}\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig(process.env);
  const store = await openStore(config, pino({ level: 'warn' }, pino.destination(2)));
  try {
    return await action({ config, store, now: () => new Date() });
  } catch (err) {
    if (!(err instanceof BrokerError) || err.status >= 500) throw err;
    console.error(err.message);
    return err.status === 404 ? 1 : 2; // 400 bad input, 409 an id or a key count that cannot be
  } finally {
    await store.close();
  }
}

type Deps = Parameters<typeof createApplication>[0];

function actionFor(command: string, values: Values, positionals: string[]): (deps: Deps) => Promise<number> {
  const expect = (count: number, names: string) => {
    if (positionals.length !== count) throw new CliInputInvalid(`${command} takes ${names || 'no arguments'}`);
    return positionals;
  };
  const settingsOnly = () => {
    if (command !== 'create' && command !== 'update' && Object.values(values).some((v) => v !== undefined)) {
      throw new CliInputInvalid(`${command} takes no settings`);
    }
  };
  switch (command) {
    case 'create': {
      expect(0, '');
      if (values['no-webhook-url']) throw new CliInputInvalid('--no-webhook-url is for update');
      const input = checked(createApplicationInput, { ...settingsFrom(values), ...(values.id !== undefined && { id: values.id }) });
      return async (deps) => {
        const { application, apiKey } = await createApplication(deps, input);
        console.log([`Created application ${application.name} (${application.id}).`, ...keyShownOnce(application, apiKey), `Webhook secret (signs its events; \`show\` prints it again): ${application.webhookSecret}`].join('\n'));
        return 0;
      };
    }
    case 'list': {
      expect(0, '');
      settingsOnly();
      return async (deps) => {
        const applications = await listApplications(deps);
        if (applications.length === 0) console.log('No applications.');
        for (const app of applications) {
          const live = app.keys.filter((k) => !k.revokedAt).length;
          console.log(`${app.id.padEnd(24)}  ${app.name.padEnd(24)}  ${`${live} live key${live === 1 ? '' : 's'}`.padEnd(11)}  ${app.webhookUrl ?? '(no webhook URL)'}`);
        }
        return 0;
      };
    }
    case 'show': {
      const [id] = expect(1, '<id>');
      settingsOnly();
      return async (deps) => {
        console.log(JSON.stringify(applicationView(await showApplication(deps, id)), null, 2));
        return 0;
      };
    }
    case 'update': {
      const [id] = expect(1, '<id>');
      if (values.id !== undefined) throw new CliInputInvalid('--id is for create: an application keeps its id');
      if (values['no-webhook-url'] && values['webhook-url'] !== undefined) throw new CliInputInvalid('--webhook-url and --no-webhook-url: give one');
      const raw = { ...settingsFrom(values), ...(values['no-webhook-url'] && { webhookUrl: null }) };
      if (Object.keys(raw).length === 0) throw new CliInputInvalid('update: nothing to change; give at least one setting');
      const changes = checked(applicationUpdateInput, raw);
      return async (deps) => {
        const application = await updateApplication(deps, id, changes);
        console.log(`Updated application ${application.name} (${application.id}).\n${JSON.stringify(applicationView(application), null, 2)}`);
        return 0;
      };
    }
    case 'rotate-key': {
      const [id] = expect(1, '<id>');
      settingsOnly();
      return async (deps) => {
        const { application, apiKey, keyId } = await rotateKey(deps, id);
        const older = application.keys.filter((k) => k.id !== keyId && !k.revokedAt).map((k) => k.id);
        console.log(
          [
            `New key ${keyId} for application ${application.name} (${application.id}).`,
            ...keyShownOnce(application, apiKey),
            older.length > 0
              ? `The older keys (${older.join(', ')}) stay live: revoke each once the backend uses the new one: npm run apps -- revoke-key ${application.id} <keyId>`
              : 'It is the only live key.',
          ].join('\n'),
        );
        return 0;
      };
    }
    default: {
      const [id, keyId] = expect(2, '<id> <keyId>');
      settingsOnly();
      return async (deps) => {
        const { application, liveKeys } = await revokeKey(deps, id, keyId);
        console.log(`Revoked key ${keyId} of application ${application.name} (${application.id}): it is refused from now on.`);
        if (liveKeys === 0) {
          console.log(`Warning: ${application.id} has no live key left; its backend is refused until you make one: npm run apps -- rotate-key ${application.id}`);
        }
        return 0;
      };
    }
  }
}

function keyShownOnce(application: Application, apiKey: string): string[] {
  return [
    '',
    `  apiKey: ${apiKey}`,
    '',
    'This is the only time the key is shown: the broker keeps only its hash. Give it to the backend team of',
    `${application.name}; they send it as "Authorization: Bearer <apiKey>".`,
  ];
}

/** The admin API's body for the settings flags given (a flag not given is absent, so an update keeps that field). */
function settingsFrom(values: Values): Record<string, unknown> {
  const body: Record<string, Record<string, unknown> | unknown> = {};
  for (const { flag, path, kind } of SETTINGS) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const value =
      kind === 'number' ? wholeNumber(flag, String(raw))
      : kind === 'list' ? listOf(String(raw))
      : kind === 'countries' ? listOf(String(raw)).map((c) => c.toUpperCase())
      : raw;
    if (path.length === 1) body[path[0]] = value;
    else body[path[0]] = { ...(body[path[0]] as Record<string, unknown>), [path[1]]: value };
  }
  return body;
}

/** Parses with the admin API's schema; the first problem is named by its flag. */
function checked<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const setting = SETTINGS.find((s) => s.path.every((key, i) => issue.path[i] === key));
  const flag = setting ? `--${setting.flag}` : issue.path[0] === 'id' ? '--id' : issue.path.join('.');
  const given = setting?.kind === 'repeated' && typeof issue.path[1] === 'number' ? ` "${(input as Record<string, string[]>)[setting.path[0]][issue.path[1]]}"` : '';
  throw new CliInputInvalid(`${flag}${given}: ${issue.message}`);
}

function wholeNumber(flag: string, raw: string): number {
  if (!/^\d{1,9}$/.test(raw)) throw new CliInputInvalid(`--${flag} must be a whole number, not "${raw}"`);
  return Number(raw);
}

function listOf(raw: string): string[] {
  return raw.split(',').map((item) => item.trim()).filter(Boolean);
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigInvalid ? err.message : err);
    process.exit(1);
  },
);
