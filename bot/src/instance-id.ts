import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Names this process in cross-instance records (job locks, token refreshes): host, pid and a nonce. */
export function instanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
