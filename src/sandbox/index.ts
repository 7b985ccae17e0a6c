// The bundled sandbox mobile operator: development and tests only.
export { startSandboxOperator } from './start-sandbox-operator.js';
export type {
  FaultyEndpoint,
  MintedAccessTokenClaims,
  RunningSandbox,
  SandboxClient,
  SandboxFaults,
  SandboxLineOptions,
  SandboxLogger,
  SandboxOptions,
  SandboxOtpSmsOptions,
  SandboxSms,
} from './options.js';
