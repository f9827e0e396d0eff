import type { Job } from '../jobs/job';
import type { OutboxRelay } from './relay';

/**
 * Sends what is due in the outbox: retries whose backoff has passed, messages held for quiet hours,
 * rows whose sender crashed — and anything enqueued by a process without a relay of its own.
 */
export function drainOutboxJob(relay: OutboxRelay): Job {
  return {
    name: 'drain-outbox',
    description: 'Send due notifications (SMS, email, WeCom pushes) from the outbox',
    isFrequent: true,
    schedule: '*/2 * * * * *',
    async run() {
      const result = await relay.drain();
      return `claimed ${result.claimed}: sent ${result.sent}, retried ${result.retried}, held ${result.held}, dead ${result.dead}, expanded ${result.expanded}`;
    },
  };
}
