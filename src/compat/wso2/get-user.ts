import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../../deps.js';
import type { FacadeRoute } from '../errors.js';
import { ScimError, scimErrors } from './errors.js';
import { scimUser, sendScim } from './scim-user.js';
import { privileged } from './user-auth.js';
import { loadUser, settleUser, USER_ID } from './users.js';

/** GET /scim2/Users/{id} (backend API key): the user's numbers, brought up to date with their verifications. */
export function getUser(deps: BrokerDeps): FacadeRoute {
  const handler: RequestHandler = async (req, res) => {
    const id = String(req.params.id);
    const stored = await loadUser(deps, id);
    if (!stored) throw new ScimError(404, undefined, USER_ID.test(id) ? `User ${id} not found.` : 'User not found.');
    sendScim(res, 200, scimUser(deps, await settleUser(deps, stored)));
  };
  return [privileged(deps), handler, scimErrors(deps)];
}
