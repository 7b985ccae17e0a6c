import { ConfigInvalid, loadConfig } from '../config/index.js';
import { KeyRing } from '../keys/key-ring.js';
import { checkOperator } from '../operator/operator-check.js';
import { OperatorClient } from '../operator/operator-client.js';
import { ringAlgsOf } from '../operator/signing-key.js';

const USAGE = `Usage: npm run operators -- <command>

  list          the operators in BROKER_CONFIG
  check <id>    a dry run against one operator: discovery (or its metadata), its JWKS, a test client
                assertion (signed, not sent), and what it advertises against what is configured

BROKER_CONFIG, DATA_DIR, PUBLIC_URL, CLIENT_ASSERTION_ALG… are read from the environment as the broker reads them.
Exit 0 when the operator is usable as configured, 1 when not, 2 on bad usage.`;

/** Onboarding help for operators (issue 16): what the broker would do with each, without a verification. */
async function run(args: string[]): Promise<number> {
  const [command, id] = args;
  if (command !== 'list' && command !== 'check') {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig(process.env);
  if (command === 'list') {
    if (!config.operators.length) console.log('No operators in BROKER_CONFIG.');
    for (const op of config.operators) console.log(`${op.id.padEnd(20)}  ${op.clientAuth.padEnd(20)}  ${op.metadata ? 'metadata by hand' : 'discovery'}  ${op.issuer}  ${op.prefixes.join(',')}`);
    return 0;
  }
  const operator = config.operators.find((op) => op.id === id);
  if (!operator) {
    console.error(`${id ? `No operator "${id}" in BROKER_CONFIG` : 'check which operator? give its id'} (have: ${config.operators.map((op) => op.id).join(', ') || 'none'})\n\n${USAGE}`);
    return 2;
  }
  // the broker's own ring, with the algs its operators ask for (as build-deps opens it)
  const keys = await KeyRing.open(config.dataDir, { clientAssertionAlg: config.verification.clientAssertionAlg, otherClientAssertionAlgs: ringAlgsOf(config.operators) });
  const client = new OperatorClient({ operators: config.operators, keys, redirectUri: `${config.publicUrl}/callback`, timeoutMs: config.verification.operatorTimeoutMs });
  try {
    const { usable, lines } = await checkOperator(client, operator);
    const mark = { ok: '  ok ', warn: ' warn', mismatch: '  !! ' };
    console.log(`Operator ${operator.id} (${operator.issuer})\n`);
    console.log(`      ${'check'.padEnd(32)}  ${'operator advertises'.padEnd(40)}  broker sends / expects`);
    for (const l of lines) console.log(`${mark[l.verdict]} ${l.what.padEnd(32)}  ${l.advertised.padEnd(40)}  ${l.configured}`);
    console.log(
      usable
        ? `\nUsable: register redirect_uri ${config.publicUrl}/callback${operator.clientAuth === 'private_key_jwt' && !operator.privateKeyFile ? ` and jwks_uri ${config.publicUrl}/.well-known/jwks.json` : ''} with the operator.`
        : '\nNot usable as configured: fix the lines marked !! (docs/operators.md).',
    );
    return usable ? 0 : 1;
  } finally {
    client.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigInvalid ? err.message : err);
    process.exit(1);
  },
);
