// The bundled sandbox operator in a process of its own, so the broker's CPU is the broker's alone.
// env: PORT, BROKER_URL (its JWKS and /callback are registered), SIMS (JSON: source address → number)
import { startSandboxOperator } from '../../dist/sandbox/index.js';

const broker = process.env.BROKER_URL;
const sandbox = await startSandboxOperator({
  port: Number(process.env.PORT),
  host: '127.0.0.1',
  clients: [{ clientId: 'broker-sandbox', jwksUri: `${broker}/.well-known/jwks.json`, redirectUris: [`${broker}/callback`] }],
  sims: JSON.parse(process.env.SIMS),
  logger: { warn: () => {}, info: () => {} },
});
process.on('SIGTERM', () => {
  sandbox.close().then(() => process.exit(0), () => process.exit(1));
});
