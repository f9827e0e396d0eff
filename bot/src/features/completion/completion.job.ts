import type { EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import type { Job } from '../../jobs/job';
import { enqueue } from '../../notifications/enqueue';
import { readSetting } from '../settings';
import { COMPLETION_DESK_GROUP, recordRealert } from './completion.commands';
import { CompletionRequest } from './completion.entity';
import { unclaimedCompletions } from './completion.queries';
import { realertSetting } from './completion.settings';

/** Re-alert levels: 1 the desk was alerted again, 2 the duty leads too. */
const DESK = 1;
const LEAD = 2;

/** Raises the level only if the request is still unclaimed at the level read (a guarded update). */
async function raiseLevel(
  manager: EntityManager,
  request: CompletionRequest,
  level: number,
): Promise<boolean> {
  const result = await manager.update(
    CompletionRequest,
    { id: request.id, status: 'pending', realertLevel: request.realertLevel },
    { realertLevel: level },
  );
  return result.affected === 1;
}

async function realert(
  manager: EntityManager,
  request: CompletionRequest,
  level: typeof DESK | typeof LEAD,
  group: string,
  now: Date,
): Promise<boolean> {
  if (!(await raiseLevel(manager, request, level))) return false;
  const minutes = Math.floor((now.getTime() - request.createdAt.getTime()) / 60_000);
  await enqueue(manager, {
    channel: 'sms',
    to: { group },
    template: 'completion.realert',
    data: {
      refNo: request.refNo,
      orderNo: request.orderNo,
      businessType: request.businessType,
      minutes,
      level,
    },
    dedupeKey: `completion:${request.id}:realert${level}`,
    // An engineer is waiting on site: not something to hold until morning.
    urgency: 'urgent',
    now,
  });
  await recordRealert(manager, request, level, minutes, now);
  return true;
}

/**
 * Alerts again about requests nobody has claimed: after `deskAfterMinutes` the completion desk, after
 * `leadAfterMinutes` the lead group (`duty-leads` by default). Each level fires once per request (a
 * guarded update on its level, and a dedupe key per level), however many instances run the job.
 */
export const completionRealertsJob: Job = {
  name: 'completion-realerts',
  description: 'Alert the completion desk again, then the duty leads, about unclaimed completion requests',
  schedule: '*/1 * * * *',
  async run({ now, manager }) {
    const { deskAfterMinutes, leadAfterMinutes, leadGroup } = (await readSetting(manager, realertSetting))
      .value;
    let desk = 0;
    let leads = 0;
    // The desk first: a request unclaimed past both limits alerts the desk and then the lead in one run.
    const deskBefore = new Date(now.getTime() - deskAfterMinutes * 60_000);
    for (const request of await unclaimedCompletions(manager, deskBefore, DESK)) {
      if (await inTransaction(manager, (tx) => realert(tx, request, DESK, COMPLETION_DESK_GROUP, now)))
        desk += 1;
    }
    const leadBefore = new Date(now.getTime() - leadAfterMinutes * 60_000);
    for (const request of await unclaimedCompletions(manager, leadBefore, LEAD)) {
      if (await inTransaction(manager, (tx) => realert(tx, request, LEAD, leadGroup, now))) leads += 1;
    }
    return `re-alerted the desk about ${desk}, the leads about ${leads}`;
  },
};
