/**
 * WeCom callback cryptography (DESIGN §5), strict.
 *
 * `@wecom/crypto` implements the algorithm — sha1 signature over the sorted [token, timestamp, nonce,
 * encrypt], AES-256-CBC with IV = key[0..16], PKCS#7 padding to 32-byte blocks, plaintext =
 * random(16) ‖ length(4, big-endian) ‖ message ‖ receiveid — and we use it to sign and to encrypt. Its
 * `decrypt` checks nothing (a bad pad byte is ignored, the length field is trusted, the receiveid is
 * returned unchecked), and none of that can be bolted on from outside without decrypting twice, so
 * decryption is done here with every check WeCom's own reference code makes, and stricter:
 *   - canonical base64 whose decoded length is a non-zero multiple of 32;
 *   - PKCS#7 with block size 32: pad byte 1..32 and every pad byte equal;
 *   - the length field fits inside what was decrypted;
 *   - the receiveid equals the configured CorpID (checked by the caller, who knows which setting to blame).
 * Signatures are compared in constant time.
 * Reference: https://developer.work.weixin.qq.com/document/path/91144 (加解密方案说明).
 */
import { createDecipheriv, timingSafeEqual } from 'node:crypto';
import { encrypt as libraryEncrypt, getSignature } from '@wecom/crypto';

const BLOCK = 32;
const HEADER = 20; // 16 random bytes + 4-byte length
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SIGNATURE = /^[0-9a-f]{40}$/;

export type DecryptFailure = 'base64' | 'block-size' | 'padding' | 'length';

export type DecryptResult =
  | { readonly ok: true; readonly message: string; readonly receiveId: string; readonly random: Buffer }
  | { readonly ok: false; readonly reason: DecryptFailure };

export interface WecomCrypto {
  /** msg_signature for a ciphertext (what WeCom sends, and what a passive reply must carry). */
  sign(timestamp: string, nonce: string, encrypted: string): string;
  /** Constant-time check of a received msg_signature. */
  verify(signature: string, timestamp: string, nonce: string, encrypted: string): boolean;
  decrypt(encrypted: string): DecryptResult;
  /** Encrypts `message` for `receiveId`; `random` (16 bytes) is for reproducible tests only. */
  encrypt(message: string, receiveId: string, random?: Buffer): string;
}

/** Decodes an EncodingAESKey (43 base64 characters) into the AES key; throws if it is not 32 bytes. */
export function aesKeyFrom(encodingAesKey: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (encodingAesKey.length !== 43 || key.length !== 32) {
    throw new Error('EncodingAESKey must be 43 base64 characters (32 bytes)');
  }
  return key;
}

export function createWecomCrypto(options: { token: string; encodingAesKey: string }): WecomCrypto {
  const { token, encodingAesKey } = options;
  const key = aesKeyFrom(encodingAesKey);
  const iv = key.subarray(0, 16);

  const sign = (timestamp: string, nonce: string, encrypted: string) =>
    getSignature(token, timestamp, nonce, encrypted);

  return {
    sign,
    verify(signature, timestamp, nonce, encrypted) {
      const normalized = signature.toLowerCase();
      if (!SIGNATURE.test(normalized)) return false;
      const expected = Buffer.from(sign(timestamp, nonce, encrypted), 'latin1');
      return timingSafeEqual(expected, Buffer.from(normalized, 'latin1'));
    },
    decrypt(encrypted) {
      if (encrypted.length === 0 || !BASE64.test(encrypted)) return { ok: false, reason: 'base64' };
      const cipherText = Buffer.from(encrypted, 'base64');
      if (cipherText.length === 0 || cipherText.length % BLOCK !== 0)
        return { ok: false, reason: 'block-size' };
      const decipher = createDecipheriv('aes-256-cbc', key, iv);
      decipher.setAutoPadding(false);
      const plain = Buffer.concat([decipher.update(cipherText), decipher.final()]);
      const pad = plain[plain.length - 1] ?? 0;
      if (pad < 1 || pad > BLOCK) return { ok: false, reason: 'padding' };
      for (let i = plain.length - pad; i < plain.length; i += 1) {
        if (plain[i] !== pad) return { ok: false, reason: 'padding' };
      }
      const content = plain.subarray(0, plain.length - pad);
      if (content.length < HEADER) return { ok: false, reason: 'length' };
      const length = content.readUInt32BE(16);
      if (length > content.length - HEADER) return { ok: false, reason: 'length' };
      return {
        ok: true,
        random: content.subarray(0, 16),
        message: content.toString('utf8', HEADER, HEADER + length),
        receiveId: content.toString('utf8', HEADER + length),
      };
    },
    encrypt(message, receiveId, random) {
      return libraryEncrypt(encodingAesKey, message, receiveId, random);
    },
  };
}
