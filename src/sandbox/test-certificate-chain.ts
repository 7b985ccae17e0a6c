// The sandbox aggregator's certificate chain (issue 18): a test root and a leaf for the key that signs its
// credential_authorization_jwt, made fresh at every start, in memory, so no key is ever committed. node:crypto makes
// keys and signatures but not certificates, and no dependency is added for it: the two X.509 v3 certificates are
// encoded here, with only the fields a wallet reads (RFC 5280 §4.1).
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

export interface TestCertificateChain {
  /** the leaf's private key (P-256): signs the aggregator's requests */
  leafKey: KeyObject;
  /** base64 DER, leaf first, as a JWS `x5c` header carries them */
  x5c: string[];
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const BASIC_CONSTRAINTS = '2.5.29.19';
const VALIDITY_MS = 24 * 3600 * 1000;

/** A root (CA) and a leaf it issued, both ES256, valid from an hour ago for a day (the sandbox restarts sooner). */
export function makeTestCertificateChain(names = { root: 'Sandbox Aggregator Test Root', leaf: 'Sandbox Aggregator' }): TestCertificateChain {
  const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rootDer = certificate({ subject: names.root, issuer: names.root, publicKey: root.publicKey, signer: root.privateKey, ca: true });
  const leafDer = certificate({ subject: names.leaf, issuer: names.root, publicKey: leaf.publicKey, signer: root.privateKey, ca: false });
  return { leafKey: leaf.privateKey, x5c: [leafDer, rootDer].map((der) => der.toString('base64')) };
}

function certificate(c: { subject: string; issuer: string; publicKey: KeyObject; signer: KeyObject; ca: boolean }): Buffer {
  const now = Date.now();
  const algorithm = sequence(oid(ECDSA_WITH_SHA256));
  const tbs = sequence(
    explicit(0, integer(Buffer.of(2))), // v3
    integer(Buffer.concat([Buffer.of(0x01), randomBytes(15)])), // positive, 16 bytes
    algorithm,
    name(c.issuer),
    sequence(utcTime(new Date(now - 3600 * 1000)), utcTime(new Date(now + VALIDITY_MS))),
    name(c.subject),
    c.publicKey.export({ format: 'der', type: 'spki' }),
    explicit(3, sequence(sequence(oid(BASIC_CONSTRAINTS), tlv(0x01, Buffer.of(0xff)), octetString(sequence(...(c.ca ? [tlv(0x01, Buffer.of(0xff))] : [])))))),
  );
  // node signs EC keys as DER ECDSA-Sig-Value, which is what X.509 carries
  const signature = sign('sha256', tbs, c.signer);
  return sequence(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.of(0), signature])));
}

// ── DER, just what the certificates above need ──────────────────────────────────────────────────────────

function tlv(tag: number, value: Buffer): Buffer {
  const length = value.length < 0x80 ? Buffer.of(value.length) : lengthOf(value.length);
  return Buffer.concat([Buffer.of(tag), length, value]);
}

function lengthOf(n: number): Buffer {
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.of(0x80 | bytes.length, ...bytes);
}

const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const integer = (value: Buffer) => tlv(0x02, value);
const octetString = (value: Buffer) => tlv(0x04, value);
const explicit = (n: number, value: Buffer) => tlv(0xa0 | n, value);
const name = (commonName: string) => sequence(set(sequence(oid(COMMON_NAME), tlv(0x0c, Buffer.from(commonName, 'utf8')))));

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'; // YYMMDDHHMMSSZ
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const groups: number[] = [];
    for (let v = arc; ; v = Math.floor(v / 128)) {
      groups.unshift(v % 128);
      if (v < 128) break;
    }
    bytes.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
  }
  return tlv(0x06, Buffer.from(bytes));
}
