import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config';

const GOOD_AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const WECOM = {
  WECOM_CORP_ID: 'wx5823bf96d3bd56c7',
  WECOM_AGENT_ID: '1000002',
  WECOM_SECRET: 's3cr3t',
  WECOM_TOKEN: 'QDG6eK',
  WECOM_ENCODING_AES_KEY: GOOD_AES_KEY,
};

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs with no configuration at all: SQLite in ./data, port 3000, web and jobs, Asia/Shanghai', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(config.database).toEqual({ kind: 'sqlite', path: path.resolve('data', 'fieldline.sqlite') });
    expect([...config.services].sort()).toEqual(['jobs', 'web']);
    expect(config.timeZone).toBe('Asia/Shanghai');
    expect(config.wecom).toBeUndefined();
    expect(config.sms).toEqual({ provider: 'log' });
    expect(config.wecomApiBase).toBe('https://qyapi.weixin.qq.com');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).toBe(3000);
  });

  it('names every bad key in one error, without echoing secrets', () => {
    const error = configError({
      PORT: 'abc',
      WECOM_ENCODING_AES_KEY: 'tooShortSecretValue',
      TZ: 'Mars/Olympus',
      SERVICES: 'web,cron',
    });
    expect(error.issues.map((issue) => issue.key)).toEqual(
      expect.arrayContaining(['PORT', 'WECOM_ENCODING_AES_KEY', 'TZ', 'SERVICES']),
    );
    expect(error.message).toMatch(/PORT: must be a whole number between 1 and 65535 \(got "abc"\)/);
    expect(error.message).toMatch(/WECOM_ENCODING_AES_KEY: must be exactly 43 characters/);
    expect(error.message).not.toContain('tooShortSecretValue');
    expect(error.message.split('\n')[0]).toMatch(/Invalid configuration \(\d+ problems\)/);
  });

  it('requires all five WECOM_* settings once one is given', () => {
    const error = configError({ WECOM_CORP_ID: 'wx5823bf96d3bd56c7', WECOM_TOKEN: 'QDG6eK' });
    expect(error.issues.map((issue) => issue.key).sort()).toEqual([
      'WECOM_AGENT_ID',
      'WECOM_ENCODING_AES_KEY',
      'WECOM_SECRET',
    ]);
  });

  it('accepts a complete WeCom configuration', () => {
    const config = loadConfig(WECOM);
    expect(config.wecom).toEqual({
      corpId: 'wx5823bf96d3bd56c7',
      agentId: 1000002,
      secret: 's3cr3t',
      token: 'QDG6eK',
      encodingAesKey: GOOD_AES_KEY,
    });
  });

  it('reads *_FILE secrets, trimming one trailing newline, and refuses both forms at once', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fieldline-config-'));
    const secretFile = path.join(dir, 'secret');
    writeFileSync(secretFile, 'from-a-file\n');
    expect(loadConfig({ ...WECOM, WECOM_SECRET: '', WECOM_SECRET_FILE: secretFile }).wecom?.secret).toBe(
      'from-a-file',
    );
    const both = configError({ ...WECOM, WECOM_SECRET_FILE: secretFile });
    expect(both.issues).toEqual([
      { key: 'WECOM_SECRET', message: 'set either WECOM_SECRET or WECOM_SECRET_FILE, not both' },
    ]);
    const missing = configError({ SESSION_SECRET_FILE: path.join(dir, 'nope') });
    expect(missing.issues[0]?.key).toBe('SESSION_SECRET_FILE');
    expect(missing.message).toContain('ENOENT');
  });

  it('parses MySQL URLs, Twilio and mail settings', () => {
    const config = loadConfig({
      DATABASE_URL: 'mysql://root@127.0.0.1:3306/fieldline_dev',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'token',
      TWILIO_FROM: '+8613800000000',
      SMTP_URL: 'smtp://mail.example.com:587',
      MAIL_FROM: 'Fieldline <noreply@example.com>',
    });
    expect(config.database).toEqual({ kind: 'mysql', url: 'mysql://root@127.0.0.1:3306/fieldline_dev' });
    expect(config.sms.provider).toBe('twilio');
    expect(config.mail?.from).toBe('Fieldline <noreply@example.com>');
    expect(configError({ DATABASE_URL: 'postgres://x@y/z' }).issues[0]?.key).toBe('DATABASE_URL');
    expect(
      configError({ SMS_PROVIDER: 'twilio' })
        .issues.map((issue) => issue.key)
        .sort(),
    ).toEqual(['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM']);
    expect(configError({ MAIL_FROM: 'a@b.c\r\nBcc: x@y.z' }).issues[0]?.key).toBe('MAIL_FROM');
  });

  it('takes the order system as a URL and a secret, both or neither, never echoing the secret', () => {
    expect(loadConfig({}).orderSystem).toBeUndefined();
    const config = loadConfig({
      ORDER_SYSTEM_URL: 'https://orders.example.com/api/completions/',
      ORDER_SYSTEM_SECRET: 's'.repeat(32),
    });
    expect(config.orderSystem).toEqual({
      url: 'https://orders.example.com/api/completions',
      secret: 's'.repeat(32),
    });
    expect(configError({ ORDER_SYSTEM_URL: 'https://orders.example.com' }).issues[0]?.key).toBe(
      'ORDER_SYSTEM_SECRET',
    );
    const short = configError({
      ORDER_SYSTEM_URL: 'https://orders.example.com',
      ORDER_SYSTEM_SECRET: 'tiny-secret',
    });
    expect(short.issues[0]?.key).toBe('ORDER_SYSTEM_SECRET');
    expect(short.message).not.toContain('tiny-secret');
  });

  it('strips a trailing slash from base URLs so paths join cleanly', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://fieldline.example.com/' }).publicBaseUrl).toBe(
      'https://fieldline.example.com',
    );
    expect(configError({ PUBLIC_BASE_URL: 'ftp://x' }).issues[0]?.key).toBe('PUBLIC_BASE_URL');
  });
});
