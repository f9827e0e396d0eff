/**
 * The outbox relay: claims due rows, resolves recipients from staff records, renders, sends through the
 * channel adapters, and records the outcome.
 *
 * Claiming is a guarded UPDATE (portable across SQLite and MySQL/MariaDB): only rows still due — pending
 * and past `next_attempt_at`, or `sending` with an expired lease — are taken, each by exactly one relay,
 * tagged with that claim's random token. Every later write is guarded by the token, so a relay whose lease
 * ran out (it crashed, or hung) can no longer overwrite the row. Delivery is therefore at least once: a
 * relay that dies after the provider accepted a message but before recording it causes one duplicate,
 * visible as two provider ids in the log.
 *
 * Batch rows (one WeCom message to up to 1,000 members, batches.ts) go out as ONE message/send call with
 * WeCom's duplicate check on (4 hours). Before the first call the row's `uncertain_since` is stamped (with
 * the lease renewed, guarded by the claim): from then on the batch may have reached WeCom, so
 *  - it is never held for quiet hours again (only a batch not yet attempted waits for the morning);
 *  - it is resent only as the identical request (members frozen by the feature, content from the row), and
 *    only while its first attempt is within the duplicate-check window minus {@link RESEND_MARGIN_MS}.
 *    Older, it is given up (dead, with a lastError saying why) instead of resent blindly; an operator may
 *    still retry it (outbox:retry / the outbox page), accepting that some members may get it twice.
 *
 * Pacing of batch calls ({@link RelayOptions.batchLimits}) is per relay process and in memory only: it
 * keeps one process from bursting, is forgotten on restart, and is not shared between instances. Batch
 * calls bypass the per-member MemberThrottle; every member is in at most one batch of an article, so a
 * broadcast adds one message per member, but the per-member limits are not enforced across broadcasts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../db/transaction';
import { MAX_DUPLICATE_CHECK_SECONDS } from '../channels/wecom/api-client';
import { slidingWindowWait, WECOM_MEMBER_LIMITS, type ThrottleLimits } from '../channels/wecom/throttle';
import { findStaffById, resolveGroupRecipients, type Staff } from '../features/staff';
import { readSetting } from '../features/settings';
import { DEFAULT_LOCALE, isLocale, type Locale } from '../i18n';
import type { Logger } from '../logger';
import { findBatchRecipients, type BatchAudience, type BatchOutcome, type BatchRecipients } from './batches';
import {
  PermanentSendError,
  UncertainSendError,
  type BatchSendOutcome,
  type ChannelSet,
  type DeliveryTarget,
} from './channels/channel';
import { OutboxMessage } from './outbox.entity';
import { quietHoursEnd, quietHoursSetting, type QuietHours } from './quiet-hours';
import { onOutboxEnqueued } from './signal';
import { findTemplate } from './templates';

export interface RelayOptions {
  readonly dataSource: () => DataSource;
  readonly channels: ChannelSet;
  readonly logger: Logger;
  readonly timeZone: string;
  readonly clock?: () => Date;
  readonly leaseMs?: number;
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly batchSize?: number;
  /**
   * Batch message/send calls this relay process makes per rolling minute and hour (in memory, not shared
   * with other instances); a batch over the budget waits (pending, due when a slot frees) without blocking
   * other rows. Defaults to WeCom's per-member limits.
   */
  readonly batchLimits?: ThrottleLimits;
}

export interface DrainResult {
  claimed: number;
  sent: number;
  retried: number;
  dead: number;
  held: number;
  expanded: number;
}

type Outcome = 'sent' | 'retried' | 'dead' | 'held' | 'expanded' | 'lost';

const DUE =
  "((status = 'pending' AND next_attempt_at <= :now) OR (status = 'sending' AND lease_until < :now))";
/** An uncertain SMS is looked up again after this long (the provider's list needs a moment). */
const UNCERTAIN_RECHECK_MS = 30_000;
/** Room left in WeCom's duplicate-check window for the resend itself (a slow call, clock skew). */
export const RESEND_MARGIN_MS = 15 * 60_000;
/** A batch first attempted longer ago than this is not resent: WeCom would no longer suppress it. */
export const BATCH_RESEND_WINDOW_MS = MAX_DUPLICATE_CHECK_SECONDS * 1000 - RESEND_MARGIN_MS;

export class OutboxRelay {
  private readonly clock: () => Date;
  private draining: Promise<DrainResult> | undefined;
  private drainAgain = false;
  private unsubscribe: (() => void) | undefined;
  /** When this relay process made its recent batch calls (ms), for pacing; in memory only. */
  private readonly batchCalls: number[] = [];

  constructor(private readonly options: RelayOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Listens for commits that enqueued something and drains at once. */
  start(): void {
    this.unsubscribe ??= onOutboxEnqueued(() => this.kick());
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.draining?.catch(() => undefined);
  }

  /** Drains now, or once more after the drain in progress. */
  kick(): void {
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    void this.drain().catch((error: unknown) =>
      this.options.logger.error({ err: error }, 'outbox drain failed'),
    );
  }

  /** Sends everything due now (group rows expand and their members' rows go out in the same call). */
  drain(): Promise<DrainResult> {
    if (this.draining) return this.draining;
    this.draining = (async () => {
      const total: DrainResult = { claimed: 0, sent: 0, retried: 0, dead: 0, held: 0, expanded: 0 };
      try {
        do {
          this.drainAgain = false;
          const startedAt = this.clock();
          for (;;) {
            const rows = await this.claim(startedAt);
            if (rows.length === 0) break;
            total.claimed += rows.length;
            const quiet = await this.quietHours();
            for (const row of rows) {
              const outcome = await this.handle(row, quiet);
              if (outcome !== 'lost') total[outcome] += 1;
            }
          }
        } while (this.drainAgain);
        return total;
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  private async quietHours(): Promise<QuietHours> {
    return (await readSetting(this.options.dataSource().manager, quietHoursSetting)).value;
  }

  /**
   * Claims rows due at `now` (the start of the drain: a row retried during this drain is due later, so
   * one drain makes at most one attempt per row).
   */
  private async claim(now: Date): Promise<OutboxMessage[]> {
    const dataSource = this.options.dataSource();
    const candidates = await dataSource.manager
      .createQueryBuilder(OutboxMessage, 'o')
      .select('o.id', 'id')
      .where(DUE, { now })
      .orderBy('o.id')
      .limit(this.options.batchSize ?? 50)
      .getRawMany<{ id: number }>();
    if (candidates.length === 0) return [];
    const token = randomBytes(12).toString('hex');
    await inTransaction(dataSource, (manager) =>
      manager
        .createQueryBuilder()
        .update(OutboxMessage)
        .set({
          status: 'sending',
          claimToken: token,
          leaseUntil: new Date(now.getTime() + (this.options.leaseMs ?? 60_000)),
          attempts: () => 'attempts + 1',
        })
        .where('id IN (:...ids)', { ids: candidates.map((candidate) => Number(candidate.id)) })
        .andWhere(DUE, { now })
        .execute(),
    );
    return dataSource.manager.find(OutboxMessage, { where: { claimToken: token }, order: { id: 'ASC' } });
  }

  /** Writes to a claimed row, only if the claim is still ours. */
  private async update(
    row: OutboxMessage,
    changes: Partial<Omit<OutboxMessage, 'data'>>,
    manager?: EntityManager,
  ): Promise<boolean> {
    const run = (m: EntityManager) =>
      m
        .createQueryBuilder()
        .update(OutboxMessage)
        .set(changes)
        .where({ id: row.id, claimToken: row.claimToken })
        .execute();
    const result = manager ? await run(manager) : await inTransaction(this.options.dataSource(), run);
    if (result.affected !== 1) {
      this.options.logger.warn(
        { outboxId: row.id },
        'outbox row was claimed by another relay after our lease expired',
      );
      return false;
    }
    return true;
  }

  private async handle(row: OutboxMessage, quiet: QuietHours): Promise<Outcome> {
    const log = this.options.logger.child({ outboxId: row.id, channel: row.channel, template: row.template });
    try {
      if (row.recipientKind === 'group') return await this.expand(row, log);
      if (row.recipientKind === 'batch') return await this.sendBatch(row, quiet, log);
      const template = findTemplate(row.template);
      if (!template) return await this.kill(row, `unknown template ${row.template}`, log);
      const channel = this.options.channels[row.channel];
      if (!channel) return await this.kill(row, `channel ${row.channel} is not configured`, log);
      const target = await this.resolve(row);
      if (typeof target === 'string') return await this.kill(row, target, log);

      if (template.quietHours === 'hold' && row.urgency === 'normal' && !row.isOnDuty) {
        const until = quietHoursEnd(this.clock(), this.options.timeZone, quiet);
        if (until) return await this.hold(row, until, `held for quiet hours until ${until.toISOString()}`);
      }

      const rendered = template.render(template.schema.parse(row.data), target.locale);
      if (row.uncertainSince && channel.findAccepted) {
        const accepted = await channel.findAccepted(target, rendered, row.uncertainSince);
        if (accepted)
          return (await this.markSent(row, target, accepted.providerId, accepted.providerStatus, log))
            ? 'sent'
            : 'lost';
      }
      const outcome = await channel.send(target, rendered, { outboxId: row.id });
      return (await this.markSent(row, target, outcome.providerId, outcome.providerStatus, log))
        ? 'sent'
        : 'lost';
    } catch (error) {
      return this.fail(row, error, log);
    }
  }

  /** Puts a claimed row back to wait until `until`, without counting the attempt. */
  private async hold(row: OutboxMessage, until: Date, reason: string): Promise<Outcome> {
    const held = await this.update(row, {
      status: 'pending',
      nextAttemptAt: until,
      attempts: Math.max(0, row.attempts - 1),
      claimToken: null,
      leaseUntil: null,
      lastError: reason,
    });
    return held ? 'held' : 'lost';
  }

  /** One message/send call for a whole batch (see the module comment); errors go to `fail` in handle. */
  private async sendBatch(row: OutboxMessage, quiet: QuietHours, log: Logger): Promise<Outcome> {
    const template = findTemplate(row.template);
    if (!template) return this.kill(row, `unknown template ${row.template}`, log);
    const channel = this.options.channels[row.channel];
    if (!channel?.sendBatch) return this.kill(row, `channel ${row.channel} cannot send batches`, log);
    const batches = findBatchRecipients(row.recipientRef);
    if (!batches) return this.kill(row, `nothing resolves batch ${row.recipientRef}`, log);
    // Set before the first call: the batch may have reached WeCom since then (module comment).
    const firstAttemptAt = row.uncertainSince;
    if (firstAttemptAt && this.clock().getTime() - firstAttemptAt.getTime() > BATCH_RESEND_WINDOW_MS)
      return this.kill(
        row,
        `not resent: first attempted at ${firstAttemptAt.toISOString()}, longer ago than WeCom's ` +
          `${MAX_DUPLICATE_CHECK_SECONDS / 3600}-hour duplicate check covers, so members who got it then ` +
          'would get it again; retry it by hand (outbox:retry) only if that is acceptable',
        log,
      );
    if (!firstAttemptAt && template.quietHours === 'hold' && row.urgency === 'normal') {
      const until = quietHoursEnd(this.clock(), this.options.timeZone, quiet);
      if (until) return this.hold(row, until, `held for quiet hours until ${until.toISOString()}`);
    }
    const audience = await batches.resolve(this.options.dataSource().manager, row.recipientRef);
    if ('refused' in audience) return this.kill(row, audience.refused, log);
    if (audience.addresses.length === 0)
      return this.markBatchSent(row, batches, audience, { providerId: 'none', invalidAddresses: [] }, log);
    // A resend repeats a call already counted (WeCom suppresses it), so only first attempts are paced.
    const wait = firstAttemptAt ? 0 : this.batchWaitMs();
    if (wait > 0)
      return this.hold(
        row,
        new Date(this.clock().getTime() + wait),
        'paced: WeCom batch calls per minute/hour (this process)',
      );
    // Renew the lease (the drain may have spent it on earlier rows) and stamp the first attempt; a row
    // another relay has taken over meanwhile is left to it.
    const now = this.clock();
    const stillOurs = await this.update(row, {
      leaseUntil: new Date(now.getTime() + (this.options.leaseMs ?? 60_000)),
      ...(firstAttemptAt ? {} : { uncertainSince: now }),
    });
    if (!stillOurs) return 'lost';
    this.batchCalls.push(now.getTime());
    const rendered = template.render(template.schema.parse(row.data), audience.locale);
    const outcome = await channel.sendBatch(audience.addresses, rendered, { outboxId: row.id });
    return this.markBatchSent(row, batches, audience, outcome, log);
  }

  /** Milliseconds until this relay may make another batch call (0 = now). */
  private batchWaitMs(): number {
    const limits = this.options.batchLimits ?? WECOM_MEMBER_LIMITS;
    return slidingWindowWait(this.batchCalls, limits, this.clock().getTime());
  }

  private async markBatchSent(
    row: OutboxMessage,
    batches: BatchRecipients,
    audience: BatchAudience,
    outcome: BatchSendOutcome,
    log: Logger,
  ): Promise<Outcome> {
    const refused = new Set(outcome.invalidAddresses);
    const invalid = audience.addresses.filter((address) => refused.has(address));
    const settled: BatchOutcome = {
      status: 'sent',
      delivered: audience.addresses.filter((address) => !refused.has(address)),
      invalid,
      at: this.clock(),
    };
    const ok = await inTransaction(this.options.dataSource(), async (manager) => {
      const owned = await this.update(
        row,
        {
          status: 'sent',
          providerId: outcome.providerId.slice(0, 64),
          providerStatus: invalid.length > 0 ? 'partial' : (outcome.providerStatus?.slice(0, 16) ?? 'sent'),
          resolvedAddress: `${audience.addresses.length} users`,
          sentAt: settled.at,
          claimToken: null,
          leaseUntil: null,
          uncertainSince: null,
          lastError: invalid.length > 0 ? `invaliduser: ${invalid.join('|')}`.slice(0, 2000) : null,
        },
        manager,
      );
      if (owned) await batches.settle(manager, row.recipientRef, settled);
      return owned;
    });
    if (ok)
      log.info(
        { providerId: outcome.providerId, users: audience.addresses.length, invalid: invalid.length },
        'batch sent',
      );
    return ok ? 'sent' : 'lost';
  }

  private async resolve(row: OutboxMessage): Promise<DeliveryTarget | string> {
    if (row.recipientKind === 'wecom_user' || row.recipientKind === 'system')
      return { address: row.recipientRef, locale: DEFAULT_LOCALE };
    const staff = await findStaffById(this.options.dataSource().manager, Number(row.recipientRef));
    if (!staff) return `staff ${row.recipientRef} does not exist`;
    if (!staff.isActive) return `staff ${staff.staffNo} is deactivated`;
    const address = addressFor(staff, row.channel);
    if (!address)
      return `staff ${staff.staffNo} has no ${row.channel === 'wecom' ? 'bound WeCom account' : row.channel === 'sms' ? 'phone number' : 'email address'}`;
    const locale: Locale = isLocale(staff.language) ? staff.language : DEFAULT_LOCALE;
    return { address, locale, name: staff.name };
  }

  private async expand(row: OutboxMessage, log: Logger): Promise<Outcome> {
    const dataSource = this.options.dataSource();
    const recipients = await resolveGroupRecipients(dataSource.manager, row.recipientRef);
    if (!recipients) return this.kill(row, `duty group ${row.recipientRef} does not exist`, log);
    if (recipients.members.length === 0)
      return this.kill(row, `duty group ${row.recipientRef} has no active members`, log);
    if (recipients.isFallbackToAll) {
      log.warn(
        { group: row.recipientRef, members: recipients.members.length },
        'nobody is on duty in the group: alerting every member',
      );
    }
    const now = this.clock();
    const expanded = await inTransaction(dataSource, async (manager) => {
      for (const { staff, isOnDuty } of recipients.members) {
        await manager
          .createQueryBuilder()
          .insert()
          .into(OutboxMessage)
          .values({
            channel: row.channel,
            recipientKind: 'staff',
            recipientRef: String(staff.id),
            template: row.template,
            data: row.data as object,
            dedupeKey: childKey(row.dedupeKey, staff.id),
            urgency: row.urgency,
            status: 'pending',
            attempts: 0,
            // Due when the parent was, so the drain that expanded them sends them too.
            nextAttemptAt: row.nextAttemptAt,
            parentId: row.id,
            isOnDuty,
            createdAt: now,
          })
          .orIgnore()
          .execute();
      }
      return this.update(
        row,
        { status: 'expanded', claimToken: null, leaseUntil: null, sentAt: now },
        manager,
      );
    });
    if (expanded)
      log.info(
        { group: row.recipientRef, members: recipients.members.map((m) => m.staff.staffNo) },
        'group alert expanded',
      );
    return expanded ? 'expanded' : 'lost';
  }

  private async markSent(
    row: OutboxMessage,
    target: DeliveryTarget,
    providerId: string,
    providerStatus: string | undefined,
    log: Logger,
  ): Promise<boolean> {
    const ok = await this.update(row, {
      status: 'sent',
      providerId: providerId.slice(0, 64),
      providerStatus: providerStatus?.slice(0, 16) ?? null,
      resolvedAddress: target.address.slice(0, 254),
      sentAt: this.clock(),
      claimToken: null,
      leaseUntil: null,
      uncertainSince: null,
      lastError: null,
    });
    if (ok) log.info({ providerId, attempts: row.attempts }, 'notification sent');
    return ok;
  }

  private async kill(row: OutboxMessage, reason: string, log: Logger): Promise<Outcome> {
    const changes = {
      status: 'dead' as const,
      claimToken: null,
      leaseUntil: null,
      lastError: reason.slice(0, 2000),
    };
    const batches = row.recipientKind === 'batch' ? findBatchRecipients(row.recipientRef) : undefined;
    const ok = batches
      ? await inTransaction(this.options.dataSource(), async (manager) => {
          const owned = await this.update(row, changes, manager);
          if (owned)
            await batches.settle(manager, row.recipientRef, {
              status: 'dead',
              delivered: [],
              invalid: [],
              at: this.clock(),
            });
          return owned;
        })
      : await this.update(row, changes);
    if (ok) log.error({ reason }, 'notification dead');
    return ok ? 'dead' : 'lost';
  }

  private async fail(row: OutboxMessage, error: unknown, log: Logger): Promise<Outcome> {
    const message = `${error instanceof Error ? error.name : 'Error'}: ${error instanceof Error ? error.message : String(error)}`;
    const maxAttempts = this.options.maxAttempts ?? 8;
    if (error instanceof PermanentSendError || row.attempts >= maxAttempts) {
      return this.kill(
        row,
        row.attempts >= maxAttempts ? `gave up after ${row.attempts} attempts: ${message}` : message,
        log,
      );
    }
    const uncertain = error instanceof UncertainSendError;
    const delay = uncertain ? UNCERTAIN_RECHECK_MS : this.backoff(row.attempts);
    const next = new Date(this.clock().getTime() + delay);
    const ok = await this.update(row, {
      status: 'pending',
      nextAttemptAt: next,
      claimToken: null,
      leaseUntil: null,
      lastError: message.slice(0, 2000),
      ...(uncertain && !row.uncertainSince ? { uncertainSince: this.clock() } : {}),
    });
    if (ok)
      log.warn(
        { attempt: row.attempts, retryAt: next.toISOString(), reason: message },
        'notification not sent; will retry',
      );
    return ok ? 'retried' : 'lost';
  }

  /** Exponential backoff with jitter: half fixed, half random, capped. */
  private backoff(attempt: number): number {
    const base = this.options.baseDelayMs ?? 5_000;
    const cap = this.options.maxDelayMs ?? 30 * 60_000;
    const delay = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
    return Math.round(delay / 2 + (Math.random() * delay) / 2);
  }
}

function addressFor(staff: Staff, channel: OutboxMessage['channel']): string | null {
  switch (channel) {
    case 'sms':
      return staff.phone;
    case 'email':
      return staff.email;
    case 'wecom':
      return staff.wecomUserId;
    case 'orders':
      return null; // a system channel, never addressed to a person
  }
}

/** The dedupe key of a group row's child for one member (hashed if it would not fit the index). */
function childKey(parentKey: string, staffId: number): string {
  const key = `${parentKey}#${staffId}`;
  return key.length <= 191 ? key : `${key.slice(0, 100)}#${createHash('sha256').update(key).digest('hex')}`;
}
