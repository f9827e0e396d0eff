/**
 * Back-office accounts: passwords, sign-in with lockout, and server-side sessions.
 *
 * Lockout: at most 5 failed sign-ins per account in 15 minutes, then 15 minutes locked. Each attempt
 * first claims one of the window's 5 slots with an atomic guarded UPDATE, and only then spends the time
 * to check the password — so 50 attempts in parallel still get 5 checks, not 50, and the count cannot be
 * lost between readers. A correct password frees the slots again.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { AppError } from '../../errors';
import { Staff } from '../staff';
import { StaffCredential } from './credential.entity';
import {
  dummyHash,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  verifyPassword,
} from './passwords';
import { WebSession } from './web-session.entity';

export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60_000;
export const LOCK_MS = 15 * 60_000;
export const SESSION_IDLE_MS = 8 * 60 * 60_000;
/** Roles that may use the back office; engineers work in WeCom. */
export const WEB_ROLES = new Set(['tier2', 'tier3', 'manager', 'admin']);

export const sessionIdHash = (id: string) => createHash('sha256').update(id).digest('hex');

/** Ends every session of a person (sign-out everywhere, password change, deactivation). */
export async function endSessionsFor(manager: EntityManager, staffId: number): Promise<number> {
  const result = await manager.delete(WebSession, { staffId });
  return result.affected ?? 0;
}

/** Sets (or replaces) a password; every existing session of that person ends. */
export async function setPassword(props: {
  readonly manager: EntityManager;
  readonly staffId: number;
  readonly password: string;
  readonly now?: Date;
}): Promise<void> {
  const { manager, staffId, password } = props;
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new AppError('VALIDATION_FAILED', 'password length', {
      params: { detail: `密码至少 ${MIN_PASSWORD_LENGTH} 个字符` },
      details: { minLength: MIN_PASSWORD_LENGTH },
    });
  }
  const passwordHash = await hashPassword(password);
  const now = props.now ?? new Date();
  await manager.save(StaffCredential, {
    staffId,
    passwordHash,
    failedCount: 0,
    windowStartedAt: null,
    lockedUntil: null,
    passwordChangedAt: now,
  });
  await endSessionsFor(manager, staffId);
}

export type SignInResult =
  | { readonly ok: true; readonly sessionId: string; readonly staff: Staff }
  | { readonly ok: false; readonly reason: 'invalid' | 'no-access' }
  | { readonly ok: false; readonly reason: 'locked'; readonly until: Date };

/** Claims one attempt in the failure window; false when the account is locked (or the window full). */
async function claimAttempt(dataSource: DataSource, staffId: number, now: Date): Promise<boolean> {
  return inTransaction(dataSource, async (manager) => {
    // A window older than 15 minutes starts again.
    await manager
      .createQueryBuilder()
      .update(StaffCredential)
      .set({ failedCount: 0, windowStartedAt: now })
      .where('staff_id = :staffId', { staffId })
      .andWhere('(window_started_at IS NULL OR window_started_at < :windowStart)', {
        windowStart: new Date(now.getTime() - FAILURE_WINDOW_MS),
      })
      .andWhere('(locked_until IS NULL OR locked_until < :now)', { now })
      .execute();
    const claimed = await manager
      .createQueryBuilder()
      .update(StaffCredential)
      .set({ failedCount: () => 'failed_count + 1' })
      .where('staff_id = :staffId', { staffId })
      .andWhere('failed_count < :max', { max: MAX_FAILURES })
      .andWhere('(locked_until IS NULL OR locked_until < :now)', { now })
      .execute();
    return claimed.affected === 1;
  });
}

export async function signIn(props: {
  readonly dataSource: DataSource;
  readonly staffNo: string;
  readonly password: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly now?: Date;
}): Promise<SignInResult> {
  const { dataSource } = props;
  const now = props.now ?? new Date();
  const staff = await dataSource.manager.findOneBy(Staff, { staffNo: props.staffNo.trim() });
  const credential = staff
    ? await dataSource.manager.findOneBy(StaffCredential, { staffId: staff.id })
    : null;
  if (!staff || !credential || !staff.isActive) {
    await verifyPassword(props.password, await dummyHash()); // same time as a real check
    return { ok: false, reason: 'invalid' };
  }
  if (!(await claimAttempt(dataSource, staff.id, now))) {
    const locked = await lockAccount(dataSource, staff.id, now);
    return { ok: false, reason: 'locked', until: locked };
  }
  if (!(await verifyPassword(props.password, credential.passwordHash))) {
    const after = await dataSource.manager.findOneByOrFail(StaffCredential, { staffId: staff.id });
    if (after.failedCount >= MAX_FAILURES) await lockAccount(dataSource, staff.id, now);
    return { ok: false, reason: 'invalid' };
  }
  await inTransaction(dataSource, (manager) =>
    manager.update(
      StaffCredential,
      { staffId: staff.id },
      { failedCount: 0, windowStartedAt: null, lockedUntil: null },
    ),
  );
  if (!WEB_ROLES.has(staff.role)) return { ok: false, reason: 'no-access' };
  const sessionId = randomBytes(32).toString('base64url');
  await inTransaction(dataSource, (manager) =>
    manager.insert(WebSession, {
      idHash: sessionIdHash(sessionId),
      staffId: staff.id,
      csrfToken: randomBytes(24).toString('base64url'),
      ip: props.ip?.slice(0, 64) ?? null,
      userAgent: props.userAgent?.slice(0, 255) ?? null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + SESSION_IDLE_MS),
    }),
  );
  return { ok: true, sessionId, staff };
}

/** Sets the lock (if not set yet) and returns until when the account is locked. */
async function lockAccount(dataSource: DataSource, staffId: number, now: Date): Promise<Date> {
  const until = new Date(now.getTime() + LOCK_MS);
  await inTransaction(dataSource, (manager) =>
    manager
      .createQueryBuilder()
      .update(StaffCredential)
      .set({ lockedUntil: until })
      .where('staff_id = :staffId', { staffId })
      .andWhere('failed_count >= :max', { max: MAX_FAILURES })
      .andWhere('(locked_until IS NULL OR locked_until < :now)', { now })
      .execute(),
  );
  const credential = await dataSource.manager.findOneByOrFail(StaffCredential, { staffId });
  return credential.lockedUntil ?? until;
}

export async function signOut(manager: EntityManager, sessionId: string): Promise<void> {
  await manager.delete(WebSession, { idHash: sessionIdHash(sessionId) });
}

export interface ActiveSession {
  readonly session: WebSession;
  readonly staff: Staff;
}

/**
 * The session behind a cookie, if valid: not expired, its person still active and allowed in. Sliding
 * expiry, written at most every 5 minutes.
 */
export async function resumeSession(
  dataSource: DataSource,
  sessionId: string,
  now = new Date(),
): Promise<ActiveSession | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return undefined;
  const idHash = sessionIdHash(sessionId);
  const session = await dataSource.manager.findOneBy(WebSession, { idHash });
  if (!session || session.expiresAt.getTime() <= now.getTime()) return undefined;
  const staff = await dataSource.manager.findOneBy(Staff, { id: session.staffId });
  if (!staff || !staff.isActive || !WEB_ROLES.has(staff.role)) {
    await inTransaction(dataSource, (manager) => manager.delete(WebSession, { idHash }));
    return undefined;
  }
  if (now.getTime() - session.lastSeenAt.getTime() > 5 * 60_000) {
    const expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
    await inTransaction(dataSource, (manager) =>
      manager.update(WebSession, { idHash }, { lastSeenAt: now, expiresAt }),
    );
  }
  return { session, staff };
}

/** Changes one's own password after checking the current one; all sessions end (including this one). */
export async function changePassword(props: {
  readonly dataSource: DataSource;
  readonly staffId: number;
  readonly current: string;
  readonly next: string;
}): Promise<boolean> {
  const credential = await props.dataSource.manager.findOneBy(StaffCredential, { staffId: props.staffId });
  if (!credential || !(await verifyPassword(props.current, credential.passwordHash))) return false;
  await inTransaction(props.dataSource, (manager) =>
    setPassword({ manager, staffId: props.staffId, password: props.next }),
  );
  return true;
}
