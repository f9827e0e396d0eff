/**
 * Binding a WeCom account to a staff record (the seed system's rule: every menu works only for an
 * account bound to a real staff record). The phone must match the roster; a 6-digit code goes by SMS
 * through the outbox; only a salted hash is stored; 5 minutes, 5 tries, 3 codes per staff per 15
 * minutes. A record bound to another WeCom user is never taken over: the attempt is refused and admins
 * are told.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { MoreThan, type EntityManager } from 'typeorm';
import { enqueue } from '../../notifications/enqueue';
import { BindingCode } from './binding-code.entity';
import { maskPhone } from './phone';
import { Staff } from './staff.entity';
import './staff.templates';

export const CODE_TTL_MS = 5 * 60_000;
export const CODE_MAX_ATTEMPTS = 5;
export const CODES_PER_WINDOW = 3;
export const CODE_WINDOW_MS = 15 * 60_000;

export type RequestCodeResult =
  | { readonly ok: true; readonly codeId: number; readonly maskedPhone: string }
  | { readonly ok: false; readonly reason: 'mismatch' | 'deactivated' | 'bound-elsewhere' }
  | { readonly ok: false; readonly reason: 'rate-limited'; readonly retryInMinutes: number };

const hashCode = (salt: string, code: string) => createHash('sha256').update(`${salt}:${code}`).digest('hex');

/** Alerts every active admin (by WeCom if bound, else SMS) that a takeover was attempted. */
async function alertAdmins(
  manager: EntityManager,
  staff: Staff,
  attemptedBy: string,
  now: Date,
): Promise<void> {
  const admins = await manager.findBy(Staff, { role: 'admin', isActive: true });
  const hour = now.toISOString().slice(0, 13);
  for (const admin of admins) {
    await enqueue(manager, {
      channel: admin.wecomUserId ? 'wecom' : 'sms',
      to: { staffId: admin.id },
      template: 'staff.bindingTakeoverAttempt',
      data: { staffNo: staff.staffNo, name: staff.name, boundTo: staff.wecomUserId ?? '', attemptedBy },
      // One alert per admin, record, attempting account and hour, however often they retry.
      dedupeKey: `bind-takeover:${staff.id}:${attemptedBy.slice(0, 64)}:${hour}:${admin.id}`,
      now,
    });
  }
}

export async function requestBindingCode(props: {
  readonly manager: EntityManager;
  readonly wecomUserId: string;
  readonly staffNo: string;
  /** E.164, already normalised. */
  readonly phone: string;
  readonly now: Date;
}): Promise<RequestCodeResult> {
  const { manager, wecomUserId, now } = props;
  const staff = await manager.findOneBy(Staff, { staffNo: props.staffNo });
  // One answer for "no such staff" and "wrong phone": the bot must not confirm who is on the roster.
  if (!staff || staff.phone !== props.phone) return { ok: false, reason: 'mismatch' };
  if (!staff.isActive) return { ok: false, reason: 'deactivated' };
  if (staff.wecomUserId !== null && staff.wecomUserId !== wecomUserId) {
    await alertAdmins(manager, staff, wecomUserId, now);
    return { ok: false, reason: 'bound-elsewhere' };
  }
  const recent = await manager.find(BindingCode, {
    where: { staffId: staff.id, createdAt: MoreThan(new Date(now.getTime() - CODE_WINDOW_MS)) },
    order: { createdAt: 'ASC' },
  });
  if (recent.length >= CODES_PER_WINDOW) {
    const oldest = recent[0]?.createdAt.getTime() ?? now.getTime();
    const retryInMinutes = Math.max(1, Math.ceil((oldest + CODE_WINDOW_MS - now.getTime()) / 60_000));
    return { ok: false, reason: 'rate-limited', retryInMinutes };
  }
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const salt = randomBytes(12).toString('hex');
  const row = await manager.save(
    manager.create(BindingCode, {
      staffId: staff.id,
      wecomUserId,
      codeHash: hashCode(salt, code),
      salt,
      attempts: 0,
      expiresAt: new Date(now.getTime() + CODE_TTL_MS),
      consumedAt: null,
      createdAt: now,
    }),
  );
  await enqueue(manager, {
    channel: 'sms',
    to: { staffId: staff.id },
    template: 'staff.bindingCode',
    data: { code },
    dedupeKey: `binding-code:${row.id}`,
    urgency: 'urgent',
    now,
  });
  return { ok: true, codeId: row.id, maskedPhone: maskPhone(staff.phone ?? '') };
}

export type VerifyCodeResult =
  | { readonly ok: true; readonly staff: Staff }
  | { readonly ok: false; readonly reason: 'wrong'; readonly attemptsLeft: number }
  | {
      readonly ok: false;
      readonly reason: 'expired' | 'too-many-attempts' | 'deactivated' | 'bound-elsewhere';
    };

export async function verifyBindingCode(props: {
  readonly manager: EntityManager;
  readonly wecomUserId: string;
  readonly codeId: number;
  readonly code: string;
  readonly now: Date;
}): Promise<VerifyCodeResult> {
  const { manager, now } = props;
  const row = await manager.findOneBy(BindingCode, { id: props.codeId, wecomUserId: props.wecomUserId });
  if (!row || row.consumedAt !== null || row.expiresAt.getTime() <= now.getTime())
    return { ok: false, reason: 'expired' };
  if (row.attempts >= CODE_MAX_ATTEMPTS) return { ok: false, reason: 'too-many-attempts' };
  const matches = timingSafeEqual(Buffer.from(hashCode(row.salt, props.code)), Buffer.from(row.codeHash));
  if (!matches) {
    const attempts = row.attempts + 1;
    await manager.update(BindingCode, { id: row.id }, { attempts });
    return attempts >= CODE_MAX_ATTEMPTS
      ? { ok: false, reason: 'too-many-attempts' }
      : { ok: false, reason: 'wrong', attemptsLeft: CODE_MAX_ATTEMPTS - attempts };
  }
  const staff = await manager.findOneByOrFail(Staff, { id: row.staffId });
  if (!staff.isActive) return { ok: false, reason: 'deactivated' };
  // Guarded: bind only if still unbound (or already ours); the unique index on wecom_user_id backs it up.
  const bound = await manager
    .createQueryBuilder()
    .update(Staff)
    .set({ wecomUserId: props.wecomUserId, updatedAt: now })
    .where('id = :id', { id: staff.id })
    .andWhere('(wecom_user_id IS NULL OR wecom_user_id = :user)', { user: props.wecomUserId })
    .execute();
  if (bound.affected !== 1) return { ok: false, reason: 'bound-elsewhere' };
  await manager.update(BindingCode, { id: row.id }, { consumedAt: now, attempts: row.attempts + 1 });
  return { ok: true, staff: { ...staff, wecomUserId: props.wecomUserId } };
}

/** Removes a binding (admin action): the WeCom account must bind again. */
export async function unbindStaff(props: {
  readonly manager: EntityManager;
  readonly staffId: number;
  readonly now?: Date;
}): Promise<void> {
  await props.manager.update(
    Staff,
    { id: props.staffId },
    { wecomUserId: null, updatedAt: props.now ?? new Date() },
  );
}
