import type { BrokerDeps } from '../deps.js';
import { InvalidArgument, NotFound } from '../errors.js';
import { presentTs43Credential, type DigitalCredentialRequest } from '../sandbox/test-wallet.js';
import { nonceMatches } from './credential-request.js';
import { refuseUnlessAwaited } from './present-credential.js';
import { loadOwnedVerification } from './verifications.js';

export type SandboxWalletDeps = Pick<BrokerDeps, 'config' | 'store' | 'sms' | 'now'>;

/**
 * POST /sandbox/wallet (sandbox only, development): the sandbox's test wallet stands in for a phone's Credential
 * Manager, so the sample page can show a verification on WiFi without an SMS in a browser that holds no SIM
 * credential. The page passes it what it would pass to navigator.credentials.get: the broker's request.
 *
 * Rules:
 * - only the starter's session may ask, for its own verification: another session's → 403 (a missing one 404),
 *   as for /code;
 * - the verification must await a presentation (awaiting_credential, its nonce unused) → else 409, past its expiry 410;
 * - the request must be this verification's: its nonce is the one whose keyed hash the verification keeps → else
 *   400 (the broker keeps only that hash, which is why the page sends the request along);
 * - the SIM presented is the verification's own number, and only a sandbox SIM (SANDBOX_SIMS) has a credential →
 *   else 404 NOT_FOUND, and the page goes on to SMS;
 * - the key-binding JWT's audience is `origin:<the broker's PUBLIC_URL origin>`, the sample page's;
 * - nothing changes: the verification moves only when the page posts the answer to /credential. The presentation
 *   is neither stored nor logged.
 */
export async function presentFromSandboxWallet(
  deps: SandboxWalletDeps,
  id: string,
  ownerId: string | undefined,
  request: DigitalCredentialRequest,
): Promise<{ vp_token: Record<string, string[]> }> {
  const verification = await loadOwnedVerification(deps, id, ownerId);
  refuseUnlessAwaited(verification, deps.now());
  if (!nonceMatches(deps.sms.codeKey, id, request.data.nonce, verification.credential!.nonceHash)) throw new InvalidArgument('digitalCredentialRequest must be the one this verification started with.');
  if (!Object.values(deps.config.sandbox.sims).includes(verification.phoneNumber)) {
    throw new NotFound('The sandbox has no SIM with this number, so its test wallet holds no credential for it; verify by SMS.');
  }
  try {
    return await presentTs43Credential(request, { simNumber: verification.phoneNumber, origin: new URL(deps.config.publicUrl).origin });
  } catch {
    // the nonce was right, but the aggregator's part is not (an altered credential_authorization_jwt)
    throw new InvalidArgument("digitalCredentialRequest: the test wallet cannot read the aggregator's credential_authorization_jwt.");
  }
}
