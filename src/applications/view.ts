import type { Application } from './application.js';

/**
 * An application as the admin API and `npm run apps` show it.
 *
 * Rules:
 * - a key is shown by its id, its dates and a hint (`vbk_<id>_…`) that lets a team tell which of its keys it
 *   holds; never its hash (the key itself is shown once, when made, and never stored);
 * - the webhook secret IS shown: the application's backend needs it to verify the signatures of the events it
 *   receives, and whoever may read this (the admin key, the CLI on the broker's store) may already change where
 *   those events go. It is a shared secret, not a credential to call the broker with.
 */
export function applicationView(app: Application) {
  return {
    id: app.id,
    name: app.name,
    ...(app.webhookUrl && { webhookUrl: app.webhookUrl }),
    webhookSecret: app.webhookSecret,
    returnUrlPrefixes: app.returnUrlPrefixes,
    sms: app.sms,
    countries: app.countries,
    limits: app.limits,
    ...(app.simSwap && { simSwap: app.simSwap }),
    ...(app.numberRecycling && { numberRecycling: app.numberRecycling }),
    ...(app.credentialOrigins?.length && { credentialOrigins: app.credentialOrigins }),
    keys: app.keys.map((key) => ({
      id: key.id,
      hint: `vbk_${key.id}_…`,
      createdAt: key.createdAt,
      ...(key.revokedAt && { revokedAt: key.revokedAt }),
    })),
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
}

export type ApplicationView = ReturnType<typeof applicationView>;
