import { randomBytes } from 'node:crypto';
import path from 'node:path';
import * as jose from 'jose';
import { readJsonFile, writeSecretFile } from './files.js';

/** What a key signs: client assertions to operators, or session tokens for the customer's backend. */
export type KeyPurpose = 'client-assertion' | 'session-token';

const KID_PREFIX: Record<KeyPurpose, string> = { 'client-assertion': 'ca', 'session-token': 'st' };

/** what the broker signs with: ES256 by default, RS256 or PS256 where an operator asks (issue 16) */
export type SigningAlg = 'ES256' | 'RS256' | 'PS256';

interface StoredKey {
  kid: string;
  purpose: KeyPurpose;
  alg: SigningAlg;
  createdAt: string;
  /** set when a newer key of the same purpose took over; the key stays published until tokens it signed expire */
  retiredAt?: string;
  privateJwk: jose.JWK;
}

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
}

/**
 * The broker's signing keys (DATA_DIR/keys.json). One active key per purpose and algorithm in use: client
 * assertions are signed with CLIENT_ASSERTION_ALG (the default) and with each other alg an operator asks for
 * (`clientAssertionAlg`, issue 16), since a key serves one alg and an operator that registered our JWKS URL
 * picks the key by kid. Retired keys stay in the JWKS for `retentionSeconds` so tokens they signed still
 * verify, then drop out; an alg no operator uses any more is retired at the next start.
 * @see RFC 7517 (JWK Set), RFC 7523 (JWT client assertions)
 */
export class KeyRing {
  private constructor(
    private readonly file: string,
    private keys: StoredKey[],
    private readonly loaded: Map<string, CryptoKey>,
    /** the alg of each purpose's default key (what `active(purpose)` returns) */
    private readonly defaults: Record<KeyPurpose, SigningAlg>,
  ) {}

  /** `otherClientAssertionAlgs`: algs operators ask for besides the default (src/operator/signing-key.ts) */
  static async open(dataDir: string, options: { clientAssertionAlg: SigningAlg; otherClientAssertionAlgs?: readonly SigningAlg[] }): Promise<KeyRing> {
    const file = path.join(dataDir, 'keys.json');
    const keys = readJsonFile<{ keys: StoredKey[] }>(file)?.keys ?? [];
    const ring = new KeyRing(file, keys, new Map(), { 'client-assertion': options.clientAssertionAlg, 'session-token': 'ES256' });
    const inUse: Record<KeyPurpose, SigningAlg[]> = {
      'client-assertion': [...new Set([options.clientAssertionAlg, ...(options.otherClientAssertionAlgs ?? [])])],
      'session-token': ['ES256'],
    };
    let changed = false;
    for (const purpose of Object.keys(inUse) as KeyPurpose[]) {
      for (const alg of inUse[purpose]) {
        if (ring.activeStored(purpose, alg)) continue;
        await ring.addKey(purpose, alg);
        changed = true;
      }
      for (const key of ring.keys) {
        if (key.purpose !== purpose || key.retiredAt || inUse[purpose].includes(key.alg)) continue;
        key.retiredAt = new Date().toISOString();
        changed = true;
      }
    }
    if (changed) ring.save();
    for (const key of ring.keys) ring.loaded.set(key.kid, (await jose.importJWK(key.privateJwk, key.alg)) as CryptoKey);
    return ring;
  }

  /** the key that signs new material of this purpose, with that alg (default: the purpose's default alg) */
  active(purpose: KeyPurpose, alg: SigningAlg = this.defaults[purpose]): SigningKey {
    const stored = this.activeStored(purpose, alg);
    if (!stored) throw new Error(`no active ${alg} ${purpose} key in ${this.file}`);
    return { kid: stored.kid, alg: stored.alg, privateKey: this.loaded.get(stored.kid)! };
  }

  /** generates a new active key for the purpose, per alg in use; the previous ones are retired but still published */
  async rotate(purpose: KeyPurpose): Promise<SigningKey> {
    const algs = [...new Set(this.keys.filter((k) => k.purpose === purpose && !k.retiredAt).map((k) => k.alg))];
    for (const alg of algs.length ? algs : [this.defaults[purpose]]) {
      const key = await this.addKey(purpose, alg);
      this.loaded.set(key.kid, (await jose.importJWK(key.privateJwk, key.alg)) as CryptoKey);
    }
    this.save();
    return this.active(purpose);
  }

  /**
   * Re-reads keys.json, so a running broker picks up a rotation made by another process (`npm run keys --
   * rotate …`, or another instance sharing DATA_DIR). The file is the truth; new keys are imported before
   * the switch, so signing never sees half a ring. A file that is unreadable or lacks an active key for a
   * purpose is refused and the current keys stay. Returns whether anything changed.
   */
  async reload(): Promise<boolean> {
    const keys = readJsonFile<{ keys: StoredKey[] }>(this.file)?.keys;
    if (!Array.isArray(keys)) throw new Error(`${this.file} holds no keys`);
    for (const purpose of Object.keys(KID_PREFIX) as KeyPurpose[]) {
      if (!keys.some((k) => k.purpose === purpose && k.alg === this.defaults[purpose] && !k.retiredAt)) throw new Error(`${this.file} has no active ${this.defaults[purpose]} ${purpose} key`);
    }
    const fingerprint = (list: StoredKey[]) => list.map((k) => `${k.kid}:${k.retiredAt ?? ''}`).join(',');
    if (fingerprint(keys) === fingerprint(this.keys)) return false;
    for (const key of keys) {
      if (!this.loaded.has(key.kid)) this.loaded.set(key.kid, (await jose.importJWK(key.privateJwk, key.alg)) as CryptoKey);
    }
    this.keys = keys;
    return true;
  }

  /** what each key is, without key material (for the keys CLI and logs) */
  describe(): { kid: string; purpose: KeyPurpose; alg: string; createdAt: string; retiredAt?: string }[] {
    return this.keys.map(({ kid, purpose, alg, createdAt, retiredAt }) => ({ kid, purpose, alg, createdAt, ...(retiredAt && { retiredAt }) }));
  }

  /** public keys of every key still needed to verify something, with `use`, `alg` and `kid` */
  publicJwks(now = new Date(), retentionSeconds = 24 * 3600): { keys: jose.JWK[] } {
    const keys = this.keys
      .filter((k) => !k.retiredAt || Date.parse(k.retiredAt) + retentionSeconds * 1000 > now.getTime())
      .map((k) => {
        const { d, p, q, dp, dq, qi, ...publicJwk } = k.privateJwk;
        return { ...publicJwk, kid: k.kid, alg: k.alg, use: 'sig' };
      });
    return { keys };
  }

  private activeStored(purpose: KeyPurpose, alg: SigningAlg = this.defaults[purpose]): StoredKey | undefined {
    return this.keys.filter((k) => k.purpose === purpose && k.alg === alg && !k.retiredAt).at(-1);
  }

  private async addKey(purpose: KeyPurpose, alg: SigningAlg): Promise<StoredKey> {
    const now = new Date().toISOString();
    for (const key of this.keys) if (key.purpose === purpose && key.alg === alg && !key.retiredAt) key.retiredAt = now;
    const { privateKey } = await jose.generateKeyPair(alg, { extractable: true });
    const key: StoredKey = {
      kid: `${KID_PREFIX[purpose]}-${randomBytes(8).toString('hex')}`,
      purpose,
      alg,
      createdAt: now,
      privateJwk: await jose.exportJWK(privateKey),
    };
    this.keys.push(key);
    return key;
  }

  private save(): void {
    writeSecretFile(this.file, { keys: this.keys });
  }
}
