import type { Response } from 'express';
import type { BrokerDeps } from '../../deps.js';
import type { MobileNumber, Wso2User } from './users.js';

export const CORE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const WSO2_SCHEMA = 'urn:scim:wso2:schema';

/**
 * The SCIM User resource as WSO2 shows it in seed 004's sample responses: the primary number under
 * `phoneNumbers` (type mobile), the numbers in effect and the verified ones as comma-separated strings
 * under `urn:scim:wso2:schema`, the number waiting for verification as the enterprise extension's
 * `pendingMobileNumber` (the primary change's, else the verified-list additions', comma-separated).
 * Attributes without a value are left out, as SCIM does. Only what the broker keeps is shown: no emails,
 * name or roles.
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-4.1
 */
export function scimUser(deps: BrokerDeps, user: Wso2User) {
  const inEffect = unique([...(user.primary ? [user.primary] : []), ...user.verified]);
  const pending = user.pending ? [user.pending] : user.pendingList;
  const wso2 = {
    ...(inEffect.length > 0 && { mobileNumbers: joined(inEffect) }),
    ...(user.verified.length > 0 && { verifiedMobileNumbers: joined(user.verified) }),
  };
  return {
    schemas: [CORE_SCHEMA, ENTERPRISE_SCHEMA, WSO2_SCHEMA],
    id: user.id,
    userName: user.userName,
    ...(user.primary && { phoneNumbers: [{ type: 'mobile', value: user.primary.value }] }),
    ...(Object.keys(wso2).length > 0 && { [WSO2_SCHEMA]: wso2 }),
    ...(pending.length > 0 && { [ENTERPRISE_SCHEMA]: { pendingMobileNumber: joined(pending) } }),
    meta: {
      location: `${deps.config.publicUrl}/scim2/Users/${encodeURIComponent(user.id)}`,
      created: user.created,
      lastModified: user.lastModified,
      resourceType: 'User',
    },
  };
}

export function sendScim(res: Response, status: number, body: unknown): void {
  res.set('Cache-Control', 'no-store').status(status).type('application/scim+json').send(JSON.stringify(body));
}

function joined(numbers: MobileNumber[]): string {
  return numbers.map((n) => n.value).join(',');
}

function unique(numbers: MobileNumber[]): MobileNumber[] {
  return numbers.filter((n, i) => numbers.findIndex((m) => m.e164 === n.e164) === i);
}
