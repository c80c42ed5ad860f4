import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import {
  derBitString,
  derBoolean,
  derExplicit,
  derImplicit,
  derInteger,
  derNamedBits,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derTime,
  derUtf8String,
} from './der.js';

/** Options for {@link createSelfSignedCertificate}; every field has a go-plugin-friendly default. */
export interface SelfSignedCertificateOptions {
  /** Subject and issuer CN. Default `'localhost'`. */
  commonName?: string;
  /** subjectAltName DNS entries. Default `['localhost']`, the authority grpc-js uses for unix targets. */
  dnsNames?: string[];
  /** subjectAltName IP entries (IPv4 or IPv6 text). Default `['127.0.0.1']`, for go-plugin's TCP mode. */
  ipAddresses?: string[];
  /**
   * Marks the certificate as a CA (basicConstraints cA, keyUsage keyCertSign). Default `true`,
   * as go-plugin does: each side trusts the other's certificate as its own root.
   */
  isCa?: boolean;
  /** Lifetime from now, in milliseconds. Default one year. */
  validForMs?: number;
}

/** A freshly generated certificate and its private key. */
export interface SelfSignedCertificate {
  /** The certificate as one PEM block (`-----BEGIN CERTIFICATE-----`), newline-terminated. */
  certPem: string;
  /** The ECDSA P-256 private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  keyPem: string;
  /** The certificate's DER bytes (go-plugin's handshake carries them base64-encoded). */
  certDer: Buffer;
}

const oids = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** keyUsage bit numbers from RFC 5280 §4.2.1.3. */
const keyUsageBits = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5 } as const;

const oneYearMs = 365 * 24 * 60 * 60 * 1000;
/** Back-dating absorbs small clock differences between host and plugin, as go-plugin does. */
const backdateMs = 30_000;

/**
 * Creates a self-signed X.509 v3 certificate with a new ECDSA P-256 key, suitable for both
 * ends of go-plugin AutoMTLS: Go's crypto/tls (`RequireAndVerifyClientCert` with a pool
 * holding exactly this certificate) and Node/grpc-js TLS trusting exactly this certificate.
 *
 * Subject and issuer are `O=Switchboard, CN=<commonName>`; the serial is 16 random bytes
 * (positive); validity runs from 30 s ago for `validForMs`. Extensions: basicConstraints
 * (critical), keyUsage (critical: digitalSignature, keyEncipherment, plus keyCertSign for a
 * CA), extKeyUsage serverAuth + clientAuth (Go checks clientAuth on client certificates),
 * subjectAltName (Go ignores the CN for hostnames), and subjectKeyIdentifier.
 * The TBSCertificate is DER-encoded here, so no openssl binary or npm dependency is needed.
 */
export function createSelfSignedCertificate(
  options: SelfSignedCertificateOptions = {},
): SelfSignedCertificate {
  const commonName = options.commonName ?? 'localhost';
  const dnsNames = options.dnsNames ?? ['localhost'];
  const ipAddresses = options.ipAddresses ?? ['127.0.0.1'];
  const isCa = options.isCa ?? true;
  const validForMs = options.validForMs ?? oneYearMs;
  if (!Number.isFinite(validForMs) || validForMs <= 0) {
    throw new RangeError(`validForMs must be a positive number, got ${validForMs}`);
  }

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });

  const now = Date.now();
  const name = derSequence(
    derSet(derSequence(derOid(oids.organization), derUtf8String('Switchboard'))),
    derSet(derSequence(derOid(oids.commonName), derUtf8String(commonName))),
  );
  const signatureAlgorithm = derSequence(derOid(oids.ecdsaWithSha256));

  const usage: number[] = [keyUsageBits.digitalSignature, keyUsageBits.keyEncipherment];
  if (isCa) {
    usage.push(keyUsageBits.keyCertSign);
  }
  const extensions = [
    extension(oids.basicConstraints, true, isCa ? derSequence(derBoolean(true)) : derSequence()),
    extension(oids.keyUsage, true, derNamedBits(usage)),
    extension(oids.extKeyUsage, false, derSequence(derOid(oids.serverAuth), derOid(oids.clientAuth))),
    extension(oids.subjectKeyIdentifier, false, derOctetString(keyIdentifier(spki))),
  ];
  if (dnsNames.length > 0 || ipAddresses.length > 0) {
    const generalNames = [
      // GeneralName dNSName [2] IA5String and iPAddress [7] OCTET STRING, both IMPLICIT.
      ...dnsNames.map((dns) => derImplicit(2, Buffer.from(dns, 'latin1'))),
      ...ipAddresses.map((ip) => derImplicit(7, ipBytes(ip))),
    ];
    extensions.push(extension(oids.subjectAltName, false, derSequence(...generalNames)));
  }

  const tbsCertificate = derSequence(
    derExplicit(0, derInteger(2)), // v3
    derInteger(serialNumber()),
    signatureAlgorithm,
    name,
    derSequence(derTime(new Date(now - backdateMs)), derTime(new Date(now + validForMs))),
    name,
    spki,
    derExplicit(3, derSequence(...extensions)),
  );
  // With an EC key node:crypto returns the DER `ECDSA-Sig-Value`, which is what X.509 wants.
  const signature = sign('sha256', tbsCertificate, privateKey);
  const certDer = derSequence(tbsCertificate, signatureAlgorithm, derBitString(signature));

  return {
    certPem: toPem('CERTIFICATE', certDer),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certDer,
  };
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  // DER omits a BOOLEAN that equals its DEFAULT (critical FALSE).
  return critical
    ? derSequence(derOid(oid), derBoolean(true), derOctetString(value))
    : derSequence(derOid(oid), derOctetString(value));
}

/** A positive serial of 16 random bytes; the forced 0x40 bit keeps it non-zero and 16 bytes long. */
function serialNumber(): Buffer {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  return serial;
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(spki: Buffer): Buffer {
  // For P-256 the SPKI is SEQUENCE { AlgorithmIdentifier (21 bytes), BIT STRING (66 bytes) };
  // the public key bits are the last 65 bytes (0x04 || X || Y, uncompressed).
  return createHash('sha1')
    .update(spki.subarray(spki.length - 65))
    .digest();
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) {
    return Buffer.from(ip.split('.').map(Number));
  }
  if (isIPv6(ip)) {
    return ipv6Bytes(ip);
  }
  throw new RangeError(`not an IP address: ${JSON.stringify(ip)}`);
}

function ipv6Bytes(ip: string): Buffer {
  let text = ip.replace(/%.*$/, '');
  // An embedded dotted IPv4 tail (::ffff:1.2.3.4) is two more hex groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = tail[1].split('.').map(Number);
    text = `${text.slice(0, -tail[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest ? rest.split(':') : [];
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...restGroups];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => {
    bytes.writeUInt16BE(Number.parseInt(group, 16), index * 2);
  });
  return bytes;
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
