import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { SwitchboardError } from '../../errors/switchboard-error.js';

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow it. */
const ed25519SpkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Reads an Ed25519 public key given as PEM (SPKI) or as base64 of the raw
 * 32 bytes (the form `plugin keygen` prints). Throws SB_ERR_REPO_CONFIG.
 */
export function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  try {
    const key = trimmed.startsWith('-----')
      ? createPublicKey(trimmed)
      : createPublicKey({ key: rawToSpki(trimmed), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it is a ${key.asymmetricKeyType} key`);
    return key;
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_REPO_CONFIG',
      `public key "${trimmed.slice(0, 24)}…" is not an Ed25519 key in PEM or base64 (32 raw bytes): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

function rawToSpki(base64: string): Buffer {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32) throw new Error(`base64 decodes to ${raw.length} bytes, not 32`);
  return Buffer.concat([ed25519SpkiPrefix, raw]);
}

/** Reads an Ed25519 private key (PKCS#8 PEM, as written by `plugin keygen`). Throws SB_ERR_PUBLISH. */
export function parsePrivateKey(pem: string): KeyObject {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`it is a ${key.asymmetricKeyType} key`);
    return key;
  } catch (err) {
    throw new SwitchboardError(
      'SB_ERR_PUBLISH',
      `signing key is not an Ed25519 private key in PEM: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** The detached signature of `data`, base64 (the content of `index.yaml.sig`). */
export function signDetached(data: Uint8Array, privateKey: KeyObject): string {
  return `${sign(null, data, privateKey).toString('base64')}\n`;
}

/** True when `signatureText` (base64) is a valid signature of `data` by one of `keys`. */
export function verifyDetached(data: Uint8Array, signatureText: string, keys: readonly KeyObject[]): boolean {
  const signature = Buffer.from(signatureText.trim(), 'base64');
  if (signature.length !== 64) return false;
  return keys.some((key) => verify(null, data, key, signature));
}

/** A fresh key pair: PKCS#8 PEM private key, SPKI PEM public key, and the raw public key in base64. */
export function generateSigningKeyPair(): { privatePem: string; publicPem: string; publicBase64: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    publicBase64: spki.subarray(ed25519SpkiPrefix.length).toString('base64'),
  };
}
