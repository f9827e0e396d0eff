import type { Job } from '../../jobs/job';
import { readSetting } from '../settings';
import { expireIdleAttempts } from './quiz.commands';
import { quizLimitsSetting } from './quiz.settings';

/**
 * Attempts left idle past quiz.limits.idleMinutes are marked expired (they count as failed). The
 * conversation engine drops the idle flow on its own; this keeps the attempt rows honest too.
 */
export const quizExpiryJob: Job = {
  name: 'quiz-expiry',
  description: 'Mark quiz attempts idle for longer than quiz.limits.idleMinutes as expired',
  schedule: '*/5 * * * *',
  async run({ now, manager }) {
    const { idleMinutes } = (await readSetting(manager, quizLimitsSetting)).value;
    const expired = await expireIdleAttempts({ manager, idleMs: idleMinutes * 60_000, now });
    return `${expired} attempt(s) expired`;
  },
};
