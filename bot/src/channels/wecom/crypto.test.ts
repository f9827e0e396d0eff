import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createCipheriv } from 'node:crypto';
import { decrypt as libraryDecrypt } from '@wecom/crypto';
import { describe, expect, it } from '@jest/globals';
import { aesKeyFrom, createWecomCrypto } from './crypto';

interface Vectors {
  wecom: {
    token: string;
    encodingAESKey: string;
    corpId: string;
    aesKeyHex: string;
    verifyUrl: Record<
      'msg_signature' | 'timestamp' | 'nonce' | 'echostr' | 'expectedReply' | 'random',
      string
    >;
    post: Record<'msg_signature' | 'timestamp' | 'nonce' | 'body' | 'random' | 'expectedMessage', string> & {
      padByte: number;
    };
  };
}

const vectors = JSON.parse(
  readFileSync(path.resolve(__dirname, '../../../test/fixtures/wecom-test-vectors.json'), 'utf8'),
) as Vectors;
const { wecom } = vectors;
const crypto = createWecomCrypto({ token: wecom.token, encodingAesKey: wecom.encodingAESKey });
const postEncrypt = /<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/.exec(wecom.post.body)?.[1] ?? '';

/** Encrypts raw padded plaintext with the vector key, to build deliberately broken ciphertexts. */
function rawEncrypt(plain: Buffer): string {
  const key = aesKeyFrom(wecom.encodingAESKey);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function frame(message: string, receiveId: string, length = Buffer.byteLength(message)): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt32BE(length, 16);
  return Buffer.concat([header, Buffer.from(message), Buffer.from(receiveId)]);
}

function pad(content: Buffer, padByte?: number): Buffer {
  const count = 32 - (content.length % 32);
  return Buffer.concat([content, Buffer.alloc(count, padByte ?? count)]);
}

describe('WeCom crypto against the official samples', () => {
  it('derives the documented AES key', () => {
    expect(aesKeyFrom(wecom.encodingAESKey).toString('hex')).toBe(wecom.aesKeyHex);
  });

  it('verifies and decrypts the URL-verification sample', () => {
    const { msg_signature, timestamp, nonce, echostr } = wecom.verifyUrl;
    expect(crypto.verify(msg_signature, timestamp, nonce, echostr)).toBe(true);
    const result = crypto.decrypt(echostr);
    expect(result).toMatchObject({
      ok: true,
      message: wecom.verifyUrl.expectedReply,
      receiveId: wecom.corpId,
    });
  });

  it('verifies, decrypts and re-encrypts the message sample byte for byte (pad byte 30 > 16)', () => {
    const { msg_signature, timestamp, nonce, random, expectedMessage, padByte } = wecom.post;
    expect(crypto.verify(msg_signature, timestamp, nonce, postEncrypt)).toBe(true);
    const result = crypto.decrypt(postEncrypt);
    expect(result).toMatchObject({ ok: true, message: expectedMessage, receiveId: wecom.corpId });
    expect(result.ok && result.random.toString('latin1')).toBe(random);
    expect(padByte).toBeGreaterThan(16);
    expect(crypto.encrypt(expectedMessage, wecom.corpId, Buffer.from(random, 'latin1'))).toBe(postEncrypt);
    expect(crypto.sign(timestamp, nonce, postEncrypt)).toBe(msg_signature);
  });

  it('agrees with @wecom/crypto on valid input', () => {
    const sealed = crypto.encrypt('光猫注册失败 👷 ]]>', 'ww0123456789abcdef');
    const ours = crypto.decrypt(sealed);
    const theirs = libraryDecrypt(wecom.encodingAESKey, sealed);
    expect(ours).toMatchObject({ ok: true, message: theirs.message, receiveId: theirs.id });
  });
});

describe('WeCom crypto refusals', () => {
  it('refuses a signature that differs in one character, has the wrong length, or is not hex', () => {
    const { msg_signature, timestamp, nonce } = wecom.post;
    const flipped = (msg_signature[0] === 'a' ? 'b' : 'a') + msg_signature.slice(1);
    expect(crypto.verify(flipped, timestamp, nonce, postEncrypt)).toBe(false);
    expect(crypto.verify(msg_signature.slice(1), timestamp, nonce, postEncrypt)).toBe(false);
    expect(crypto.verify('z'.repeat(40), timestamp, nonce, postEncrypt)).toBe(false);
    expect(crypto.verify(msg_signature, String(Number(timestamp) + 1), nonce, postEncrypt)).toBe(false);
    expect(crypto.verify(msg_signature.toUpperCase(), timestamp, nonce, postEncrypt)).toBe(true);
  });

  it('refuses malformed base64 and ciphertexts that are not whole 32-byte blocks', () => {
    expect(crypto.decrypt('')).toEqual({ ok: false, reason: 'base64' });
    expect(crypto.decrypt('not base64!')).toEqual({ ok: false, reason: 'base64' });
    expect(crypto.decrypt(Buffer.alloc(16).toString('base64'))).toEqual({ ok: false, reason: 'block-size' });
    expect(crypto.decrypt(Buffer.alloc(48).toString('base64'))).toEqual({ ok: false, reason: 'block-size' });
  });

  it('refuses bad PKCS#7: pad byte 0, pad byte over 32, or unequal pad bytes', () => {
    const content = frame('hello', wecom.corpId);
    const zero = pad(content);
    zero[zero.length - 1] = 0;
    expect(crypto.decrypt(rawEncrypt(zero))).toEqual({ ok: false, reason: 'padding' });
    const tooBig = pad(content);
    tooBig[tooBig.length - 1] = 33;
    expect(crypto.decrypt(rawEncrypt(tooBig))).toEqual({ ok: false, reason: 'padding' });
    const uneven = pad(content);
    uneven.writeUInt8(uneven.readUInt8(uneven.length - 2) ^ 1, uneven.length - 2);
    expect(crypto.decrypt(rawEncrypt(uneven))).toEqual({ ok: false, reason: 'padding' });
    expect(crypto.decrypt(rawEncrypt(pad(content)))).toMatchObject({ ok: true, message: 'hello' });
  });

  it('refuses a length field that points past the decrypted data', () => {
    const lying = pad(frame('hello', wecom.corpId, 10_000));
    expect(crypto.decrypt(rawEncrypt(lying))).toEqual({ ok: false, reason: 'length' });
    const short = Buffer.alloc(32, 32); // all padding, no header
    expect(crypto.decrypt(rawEncrypt(short))).toEqual({ ok: false, reason: 'length' });
  });

  it('decrypts with a wrong key to garbage that fails the checks instead of crashing', () => {
    const other = createWecomCrypto({ token: wecom.token, encodingAesKey: 'A'.repeat(43) });
    const result = other.decrypt(postEncrypt);
    expect(result.ok).toBe(false);
  });
});
