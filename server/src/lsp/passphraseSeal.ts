// The passphrase crosses the JSON-RPC connection sealed, never as text. A protocol trace (the client's
// `trace.server: verbose`, which a repository's window-scoped settings may turn on) records every
// request and response in full; what it records here is a public key made for one prompt and a
// ciphertext that only that prompt's private key, which never leaves the server's memory, opens.
// Both sides import this module (the client to seal, the server to open); it needs only node:crypto.
import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import type { SealedPassphrase } from './protocol';

const CONTEXT = 'helm-provenance passphrase v1';

function publicKeyFrom(raw: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw }, format: 'jwk' });
}

function rawPublicKey(key: KeyObject): string {
  return String(key.export({ format: 'jwk' }).x);
}

/** The AES key both sides derive; bound to both public keys so a sealed answer fits one prompt only. */
function sealingKey(privateKey: KeyObject, publicKey: KeyObject, ephemeralKey: string, recipientKey: string): Buffer {
  const shared = diffieHellman({ privateKey, publicKey });
  return Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), `${CONTEXT}\0${ephemeralKey}\0${recipientKey}`, 32));
}

/** The client's side: seals `passphrase` to the prompt's `recipientKey`. */
export function sealPassphrase(passphrase: string, recipientKey: string): SealedPassphrase {
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralKey = rawPublicKey(ephemeral.publicKey);
  const key = sealingKey(ephemeral.privateKey, publicKeyFrom(recipientKey), ephemeralKey, recipientKey);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(passphrase, 'utf8'), cipher.final()]);
  return { ephemeralKey, iv: iv.toString('base64url'), ciphertext: ciphertext.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') };
}

export interface PassphraseRecipient {
  /** Goes into the prompt's PassphraseParams. */
  readonly publicKey: string;
  /** The passphrase, or undefined when `sealed` is not a valid sealing to this recipient. */
  open(sealed: unknown): string | undefined;
}

function isSealed(value: unknown): value is SealedPassphrase {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['ephemeralKey', 'iv', 'ciphertext', 'tag'].every((k) => typeof v[k] === 'string');
}

/** The server's side: a key pair for one prompt. */
export function passphraseRecipient(): PassphraseRecipient {
  const pair = generateKeyPairSync('x25519');
  const publicKey = rawPublicKey(pair.publicKey);
  return {
    publicKey,
    open(sealed) {
      if (!isSealed(sealed)) return undefined;
      try {
        const key = sealingKey(pair.privateKey, publicKeyFrom(sealed.ephemeralKey), sealed.ephemeralKey, publicKey);
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url'), { authTagLength: 16 });
        decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        return undefined; // not sealed to this prompt, or changed on the way
      }
    },
  };
}
