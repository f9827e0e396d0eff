import type { Job } from '../../jobs/job';
import type { Inbox } from './inbox';

/**
 * Finishes inbound messages left unprocessed (a crash mid-processing, a failed attempt) and pushes
 * replies whose push failed, so nothing an engineer sent is lost.
 */
export function wecomInboxJob(inbox: Inbox): Job {
  return {
    name: 'wecom-inbox',
    description: 'Re-process WeCom messages left unprocessed; re-push replies that failed to send',
    isFrequent: true,
    schedule: '*/30 * * * * *',
    async run() {
      const handled = await inbox.recover();
      return `handled ${handled} message(s)`;
    },
  };
}
