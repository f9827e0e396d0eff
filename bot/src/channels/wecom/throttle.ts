/**
 * Keeps pushes to any one member under WeCom's silent-drop limits (DESIGN §5: more than 30 messages a
 * minute or 1000 an hour to one member are dropped without an error). Messages over the limit wait in a
 * per-member queue; queued texts are merged into one message (up to WeCom's 2048-byte text limit), so a
 * burst reaches the member as a few readable messages instead of vanishing.
 */
import type { OutboundMessage, SendResult } from './api-client';

export interface ThrottleLimits {
  readonly perMinute: number;
  readonly perHour: number;
}

/** A little under WeCom's limits, leaving room for clock skew between us and them. */
export const WECOM_MEMBER_LIMITS: ThrottleLimits = { perMinute: 28, perHour: 950 };
export const TEXT_LIMIT_BYTES = 2048;
const MERGE_SEPARATOR = '\n\n';

/**
 * Milliseconds (0 = now) until one more send fits under `limits`, given the times (epoch ms, oldest first)
 * of earlier sends. Drops from the front of `sentAt` the sends older than an hour, which no window counts.
 */
export function slidingWindowWait(sentAt: number[], limits: ThrottleLimits, now: number): number {
  while (sentAt.length > 0 && (sentAt[0] ?? 0) <= now - 3_600_000) sentAt.shift();
  const lastMinute = sentAt.filter((at) => at > now - 60_000);
  let wait = 0;
  if (lastMinute.length >= limits.perMinute) {
    wait = Math.max(wait, (lastMinute[lastMinute.length - limits.perMinute] ?? now) + 60_000 - now);
  }
  if (sentAt.length >= limits.perHour) {
    wait = Math.max(wait, (sentAt[sentAt.length - limits.perHour] ?? now) + 3_600_000 - now);
  }
  return wait;
}

type Send = (toUser: string, message: OutboundMessage) => Promise<SendResult>;

interface Pending {
  message: OutboundMessage;
  readonly waiters: Array<{ resolve: (result: SendResult) => void; reject: (error: unknown) => void }>;
}

interface MemberState {
  readonly sentAt: number[];
  readonly queue: Pending[];
  timer: NodeJS.Timeout | undefined;
}

export class MemberThrottle {
  private readonly members = new Map<string, MemberState>();

  constructor(
    private readonly send: Send,
    private readonly limits: ThrottleLimits = WECOM_MEMBER_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Sends now if the member is under the limits, otherwise queues (merging texts). */
  push(toUser: string, message: OutboundMessage): Promise<SendResult> {
    const state = this.state(toUser);
    return new Promise<SendResult>((resolve, reject) => {
      const last = state.queue.at(-1);
      if (last && canMerge(last.message, message)) {
        last.message = merge(last.message, message);
        last.waiters.push({ resolve, reject });
      } else {
        state.queue.push({ message, waiters: [{ resolve, reject }] });
      }
      this.drain(toUser, state);
    });
  }

  /** Messages waiting for a member (for tests and the admin web). */
  queued(toUser: string): number {
    return this.members.get(toUser)?.queue.length ?? 0;
  }

  private state(toUser: string): MemberState {
    let state = this.members.get(toUser);
    if (!state) {
      state = { sentAt: [], queue: [], timer: undefined };
      this.members.set(toUser, state);
    }
    return state;
  }

  /** Milliseconds until the member may receive another message (0 = now). */
  private waitFor(state: MemberState): number {
    return slidingWindowWait(state.sentAt, this.limits, this.clock());
  }

  private drain(toUser: string, state: MemberState): void {
    if (state.timer) return;
    while (state.queue.length > 0) {
      const wait = this.waitFor(state);
      if (wait > 0) {
        state.timer = setTimeout(() => {
          state.timer = undefined;
          this.drain(toUser, state);
        }, wait);
        state.timer.unref();
        return;
      }
      const next = state.queue.shift();
      if (!next) break;
      state.sentAt.push(this.clock());
      this.send(toUser, next.message).then(
        (result) => next.waiters.forEach((waiter) => waiter.resolve(result)),
        (error: unknown) => next.waiters.forEach((waiter) => waiter.reject(error)),
      );
    }
    if (state.queue.length === 0 && state.sentAt.length === 0) this.members.delete(toUser);
  }
}

function canMerge(queued: OutboundMessage, next: OutboundMessage): boolean {
  return (
    queued.msgtype === 'text' &&
    next.msgtype === 'text' &&
    Buffer.byteLength(queued.text.content + MERGE_SEPARATOR + next.text.content) <= TEXT_LIMIT_BYTES
  );
}

function merge(queued: OutboundMessage, next: OutboundMessage): OutboundMessage {
  if (queued.msgtype !== 'text' || next.msgtype !== 'text') return queued;
  return { msgtype: 'text', text: { content: queued.text.content + MERGE_SEPARATOR + next.text.content } };
}
