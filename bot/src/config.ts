/**
 * The only reader of `process.env` (DESIGN §3, §6). Every setting is validated once at start-up; a bad
 * configuration fails with one error that names every bad key, so an operator fixes them all in one go.
 * Any key may instead be read from a file named by `<KEY>_FILE` (Docker/Kubernetes secrets).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const SERVICE_NAMES = ['web', 'jobs'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Keys whose values must never be echoed back in an error message or a log line. */
const SECRET_KEYS = new Set([
  'DATABASE_URL',
  'WECOM_SECRET',
  'WECOM_TOKEN',
  'WECOM_ENCODING_AES_KEY',
  'TWILIO_AUTH_TOKEN',
  'SMTP_URL',
  'SESSION_SECRET',
  'ORDER_SYSTEM_SECRET',
]);

const WECOM_REQUIRED_KEYS = [
  'WECOM_CORP_ID',
  'WECOM_AGENT_ID',
  'WECOM_SECRET',
  'WECOM_TOKEN',
  'WECOM_ENCODING_AES_KEY',
] as const;
const TWILIO_REQUIRED_KEYS = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const;

const httpUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
  .transform((value) => value.replace(/\/+$/, ''));

const isValidTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const envSchema = z.object({
  PORT: z.coerce
    .number({ message: 'must be a whole number between 1 and 65535' })
    .int('must be a whole number between 1 and 65535')
    .min(1, 'must be a whole number between 1 and 65535')
    .max(65535, 'must be a whole number between 1 and 65535')
    .default(3000),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z
    .string()
    .refine(
      (value) => /^(mysql|mariadb):\/\/[^/]+\/[A-Za-z0-9_$-]{1,64}(\?.*)?$/.test(value),
      'must look like mysql://user:pass@host:3306/database',
    )
    .optional(),
  PUBLIC_BASE_URL: httpUrl.optional(),
  TZ: z
    .string()
    .refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Shanghai')
    .default('Asia/Shanghai'),
  SERVICES: z
    .string()
    .default('web,jobs')
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(SERVICE_NAMES, { message: `each entry must be one of ${SERVICE_NAMES.join(', ')}` }))
        .min(1, 'must name at least one of web, jobs'),
    ),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  WECOM_CORP_ID: z
    .string()
    .regex(/^[A-Za-z0-9]{6,64}$/, 'must be the CorpID from the WeCom admin console (letters and digits)')
    .optional(),
  WECOM_AGENT_ID: z
    .string()
    .regex(/^\d{1,12}$/, 'must be the numeric AgentId of the application')
    .optional(),
  WECOM_SECRET: z.string().min(1).optional(),
  WECOM_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9]{1,32}$/, 'must be 1-32 letters or digits')
    .optional(),
  WECOM_ENCODING_AES_KEY: z
    .string()
    .refine((value) => value.length === 43, { message: 'must be exactly 43 characters' })
    .refine((value) => /^[A-Za-z0-9+/]*$/.test(value), { message: 'must contain only base64 characters' })
    .optional(),
  WECOM_API_BASE: httpUrl.default('https://qyapi.weixin.qq.com'),
  SMS_PROVIDER: z.enum(['twilio', 'log'], { message: 'must be twilio or log' }).optional(),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio Account SID (AC followed by 32 hex digits)')
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_FROM: z
    .string()
    .regex(/^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/, 'must be an E.164 number or a Messaging Service SID')
    .optional(),
  TWILIO_API_BASE: httpUrl.default('https://api.twilio.com'),
  SMTP_URL: z
    .string()
    .refine((value) => /^smtps?:\/\/[^\s]+$/i.test(value), 'must look like smtp://user:pass@host:587')
    .optional(),
  MAIL_FROM: z
    .string()
    .refine((value) => !/[\r\n]/.test(value) && /[^\s@]+@[^\s@]+/.test(value), 'must be an email address')
    .optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ORDER_SYSTEM_URL: httpUrl.optional(),
  ORDER_SYSTEM_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
});

type Env = z.infer<typeof envSchema>;

export type DatabaseConfig =
  { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'mysql'; readonly url: string };

export interface WecomConfig {
  readonly corpId: string;
  readonly agentId: number;
  readonly secret: string;
  readonly token: string;
  readonly encodingAesKey: string;
}

export type SmsConfig =
  | { readonly provider: 'log' }
  | {
      readonly provider: 'twilio';
      readonly accountSid: string;
      readonly authToken: string;
      readonly from: string;
      readonly apiBase: string;
    };

export interface Config {
  readonly port: number;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly publicBaseUrl: string | undefined;
  readonly timeZone: string;
  readonly services: ReadonlySet<ServiceName>;
  readonly logLevel: LogLevel;
  /** Undefined when no WECOM_* key is set: development mode with generated credentials. */
  readonly wecom: WecomConfig | undefined;
  readonly wecomApiBase: string;
  readonly sms: SmsConfig;
  readonly mail: { readonly smtpUrl: string; readonly from: string } | undefined;
  readonly sessionSecret: string | undefined;
  /** The operator's order system that completion requests are handed to; undefined: off. */
  readonly orderSystem: { readonly url: string; readonly secret: string } | undefined;
}

export interface ConfigIssue {
  readonly key: string;
  readonly message: string;
}

/** Thrown by {@link loadConfig}; `message` lists every bad key, one per line. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((issue) => `  ${issue.key}: ${issue.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

type RawEnv = Readonly<Record<string, string | undefined>>;

/** Resolves `<KEY>_FILE` indirections and drops empty values (an empty line in an .env file means unset). */
function resolveRawValues(env: RawEnv, issues: ConfigIssue[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const direct = env[key];
    const filePath = env[`${key}_FILE`];
    if (filePath !== undefined && filePath !== '') {
      if (direct !== undefined && direct !== '') {
        issues.push({ key, message: `set either ${key} or ${key}_FILE, not both` });
        continue;
      }
      try {
        values[key] = readFileSync(filePath, 'utf8').replace(/\r?\n$/, '');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        issues.push({ key: `${key}_FILE`, message: `cannot read ${filePath} (${code})` });
      }
      continue;
    }
    if (direct !== undefined && direct !== '') values[key] = direct;
  }
  return values;
}

function describeReceived(key: string, raw: string | undefined): string {
  if (raw === undefined || SECRET_KEYS.has(key)) return '';
  const shown = raw.length > 60 ? `${raw.slice(0, 60)}…` : raw;
  return ` (got "${shown}")`;
}

/** Cross-field rules: groups of settings that only make sense together. */
function checkGroups(env: Readonly<Record<string, string>>, issues: ConfigIssue[]): void {
  const wecomSet = WECOM_REQUIRED_KEYS.filter((key) => env[key] !== undefined);
  if (wecomSet.length > 0 && wecomSet.length < WECOM_REQUIRED_KEYS.length) {
    for (const key of WECOM_REQUIRED_KEYS) {
      if (env[key] === undefined) {
        issues.push({
          key,
          message: `is required once any WECOM_* setting is given (set all five, or none for development mode)`,
        });
      }
    }
  }
  if (env.SMS_PROVIDER === 'twilio') {
    for (const key of TWILIO_REQUIRED_KEYS) {
      if (env[key] === undefined) issues.push({ key, message: 'is required when SMS_PROVIDER=twilio' });
    }
  }
  if ((env.ORDER_SYSTEM_URL === undefined) !== (env.ORDER_SYSTEM_SECRET === undefined)) {
    const missing = env.ORDER_SYSTEM_URL === undefined ? 'ORDER_SYSTEM_URL' : 'ORDER_SYSTEM_SECRET';
    issues.push({ key: missing, message: 'is required when the other order-system setting is given' });
  }
  if ((env.SMTP_URL === undefined) !== (env.MAIL_FROM === undefined)) {
    const missing = env.SMTP_URL === undefined ? 'SMTP_URL' : 'MAIL_FROM';
    issues.push({ key: missing, message: 'is required when the other email setting is given' });
  }
}

function buildConfig(env: Env): Config {
  const dataDir = path.resolve(env.DATA_DIR);
  const twilioConfigured = TWILIO_REQUIRED_KEYS.every((key) => env[key] !== undefined);
  const smsProvider = env.SMS_PROVIDER ?? (twilioConfigured ? 'twilio' : 'log');
  const wecom =
    env.WECOM_CORP_ID !== undefined
      ? {
          corpId: env.WECOM_CORP_ID,
          agentId: Number(env.WECOM_AGENT_ID),
          secret: env.WECOM_SECRET ?? '',
          token: env.WECOM_TOKEN ?? '',
          encodingAesKey: env.WECOM_ENCODING_AES_KEY ?? '',
        }
      : undefined;
  const config: Config = {
    port: env.PORT,
    dataDir,
    database:
      env.DATABASE_URL !== undefined
        ? { kind: 'mysql', url: env.DATABASE_URL }
        : { kind: 'sqlite', path: path.join(dataDir, 'fieldline.sqlite') },
    publicBaseUrl: env.PUBLIC_BASE_URL,
    timeZone: env.TZ,
    services: new Set(env.SERVICES),
    logLevel: env.LOG_LEVEL,
    wecom: wecom && Object.freeze(wecom),
    wecomApiBase: env.WECOM_API_BASE,
    sms:
      smsProvider === 'twilio'
        ? Object.freeze({
            provider: 'twilio' as const,
            accountSid: env.TWILIO_ACCOUNT_SID ?? '',
            authToken: env.TWILIO_AUTH_TOKEN ?? '',
            from: env.TWILIO_FROM ?? '',
            apiBase: env.TWILIO_API_BASE,
          })
        : Object.freeze({ provider: 'log' as const }),
    mail:
      env.SMTP_URL !== undefined && env.MAIL_FROM !== undefined
        ? Object.freeze({ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM })
        : undefined,
    sessionSecret: env.SESSION_SECRET,
    orderSystem:
      env.ORDER_SYSTEM_URL !== undefined && env.ORDER_SYSTEM_SECRET !== undefined
        ? Object.freeze({ url: env.ORDER_SYSTEM_URL, secret: env.ORDER_SYSTEM_SECRET })
        : undefined,
  };
  return Object.freeze(config);
}

/**
 * Reads and validates the configuration. Throws {@link ConfigError} naming every bad key at once.
 * `env` defaults to the process environment; tests and tools pass their own.
 */
export function loadConfig(env: RawEnv = process.env): Config {
  const issues: ConfigIssue[] = [];
  const raw = resolveRawValues(env, issues);
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? 'config');
      issues.push({ key, message: issue.message + describeReceived(key, raw[key]) });
    }
  }
  checkGroups(raw, issues);
  if (issues.length > 0) {
    // One line per key: the first problem found is the one to fix first.
    const firstPerKey = [...new Map(issues.reverse().map((issue) => [issue.key, issue])).values()];
    throw new ConfigError(firstPerKey.sort((a, b) => a.key.localeCompare(b.key)));
  }
  return buildConfig((parsed as { data: Env }).data);
}
