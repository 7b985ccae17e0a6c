// The test wallet is the sandbox's (src/sandbox/test-wallet.ts), so the sample page's demo can use it too.
export { presentTs43Credential, type DigitalCredentialRequest, type WalletOptions } from '../../src/sandbox/test-wallet.js';
