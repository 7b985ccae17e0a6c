import { loadConfig, ConfigInvalid } from '../config/index.js';
import { KeyRing, type KeyPurpose } from '../keys/key-ring.js';
import { ringAlgsOf } from '../operator/signing-key.js';

const PURPOSES: readonly KeyPurpose[] = ['session-token', 'client-assertion'];
const USAGE = `Usage: npm run keys -- <command>

  list                                    the keys in DATA_DIR/keys.json (no key material)
  rotate session-token|client-assertion   make a new active key; the previous one stays published

DATA_DIR and CLIENT_ASSERTION_ALG are read from the environment, as the broker reads them.`;

/**
 * Rotates or lists the broker's signing keys in DATA_DIR/keys.json. A rotation retires the active key of
 * that purpose without deleting it: it stays in /.well-known/jwks.json for a day, so tokens and client
 * assertions it signed still verify. Running brokers pick the new key up on SIGHUP or within 30 s.
 */
async function run(args: string[]): Promise<number> {
  const [command, purpose] = args;
  if (command !== 'list' && command !== 'rotate') {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig(process.env);
  // the same algs as the broker's ring, or this run would retire the keys of operators with their own alg
  const ring = await KeyRing.open(config.dataDir, { clientAssertionAlg: config.verification.clientAssertionAlg, otherClientAssertionAlgs: ringAlgsOf(config.operators) });
  if (command === 'list') {
    for (const key of ring.describe()) {
      console.log(`${key.kid}  ${key.purpose.padEnd(16)}  ${key.alg}  created ${key.createdAt}${key.retiredAt ? `  retired ${key.retiredAt}` : '  active'}`);
    }
    return 0;
  }
  if (!PURPOSES.includes(purpose as KeyPurpose)) {
    console.error(`rotate what? ${PURPOSES.join(' or ')}\n\n${USAGE}`);
    return 2;
  }
  const previous = ring.active(purpose as KeyPurpose).kid;
  const next = await ring.rotate(purpose as KeyPurpose);
  console.log(
    [
      `Rotated the ${purpose} key in ${config.dataDir}/keys.json: ${previous} → ${next.kid}`,
      `${previous} stays in /.well-known/jwks.json for 24 h, so what it signed still verifies.`,
      'Running brokers use the new key within 30 s, or at once after `kill -HUP <pid>`.',
    ].join('\n'),
  );
  return 0;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigInvalid ? err.message : err);
    process.exit(1);
  },
);
