import type { Request } from 'express';
import type { BrokerDeps } from '../../deps.js';
import { isLang } from '../../otp/messages.js';
import { readPhoneNumber } from '../phone-input.js';
import { authenticateChannel, type Channel } from './channels.js';
import { MpassRefusal } from './answer.js';

/**
 * The query of an MNV call, checked in the order a caller can fix things:
 * 1. every mandatory parameter is present, once → else 1 Invalid Data;
 * 2. the channel key is known and used from its channel's address → else 2 Access Denied;
 * 3. each value is well formed → else 1 Invalid Data: `dest` a valid number (phone-input.ts; national
 *    numbers need COMPAT_MPASS_DEFAULT_REGION), `lang` `en_US` (the default), `ar_SA` or another language
 *    the SMS templates have (es_ES, fr_FR, de_DE, pt_PT… or the bare language), `app` one short line.
 * Parameters the seed does not list are ignored, as a web service usually does.
 */
export async function readCall<M extends string>(deps: BrokerDeps, req: Request, mandatory: readonly M[]): Promise<{ channel: Channel; dest: string; app?: string; values: Record<M, string> & { lang?: string } }> {
  const query = req.query as Record<string, unknown>;
  const single = (name: string) => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new MpassRefusal('INVALID_INPUT');
    return value;
  };
  const values = {} as Record<M, string>;
  for (const name of mandatory) {
    const value = single(name);
    if (!value) throw new MpassRefusal('INVALID_INPUT');
    values[name] = value;
  }
  const lang = single('lang') || undefined;
  const app = single('app') || undefined;

  const channel = await authenticateChannel(deps.store, single('apikey') ?? '', req.ip);
  if (!channel) throw new MpassRefusal('INVALID_CLIENT');

  const dest = readPhoneNumber(single('dest') ?? '', deps.config.compat.mpass.defaultRegion);
  if (!dest) throw new MpassRefusal('INVALID_INPUT');
  if (lang !== undefined && !isMpassLang(lang)) throw new MpassRefusal('INVALID_INPUT');
  if (app !== undefined && !/^[^\p{Cc}]{1,64}$/u.test(app)) throw new MpassRefusal('INVALID_INPUT');
  return { channel, dest, ...(app && { app }), values: { ...values, ...(lang && { lang }) } };
}

function isMpassLang(value: string): boolean {
  const match = /^([a-zA-Z]{2})(?:[_-][a-zA-Z]{2})?$/.exec(value);
  return match !== null && isLang(match[1].toLowerCase());
}
