import type { RequestHandler } from 'express';
import type { BrokerDeps } from '../deps.js';
import { apiKeyAuth } from './api-key-auth.js';

/**
 * Guards the admin endpoints (webhook deliveries, applications and their keys) with the admin API key (ADMIN_API_KEY, else the key
 * generated into DATA_DIR/secrets.json). The facades have keys of their own (src/compat/*).
 */
export function adminAuth(deps: BrokerDeps): RequestHandler {
  return apiKeyAuth(deps.secrets.adminApiKey, { realm: 'broker-admin', keyName: 'admin API key' });
}
