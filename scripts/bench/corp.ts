import type { WecomConfig } from '../../bot/src/config';

export type BenchMode = 'bare' | 'sqlite' | 'mysql';

/** A made-up corp shared by the benchmark's load generator and server. */
export const BENCH_CORP: WecomConfig = {
  corpId: 'wwbench0123456789',
  agentId: 1000002,
  secret: 'bench-secret',
  token: 'benchToken123',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
};
