import type { EntityManager } from 'typeorm';
import { lockForUpdate } from '../db/locks';
import { ConversationSession } from './session.entity';

export const SESSION_IDLE_MS = 10 * 60_000;

/**
 * Loads (creating if needed) and locks the user's session for this transaction, so that two messages
 * from one person handled by two instances at once take turns instead of overwriting each other.
 * SQLite serialises transactions already; MySQL/MariaDB takes a row lock (SELECT … FOR UPDATE).
 */
export async function loadSession(
  manager: EntityManager,
  wecomUserId: string,
  now: Date,
): Promise<ConversationSession> {
  await manager
    .createQueryBuilder()
    .insert()
    .into(ConversationSession)
    .values({
      wecomUserId,
      flow: null,
      step: null,
      draft: null,
      pendingMedia: null,
      expiresAt: null,
      updatedAt: now,
    })
    .orIgnore()
    .execute();
  return lockForUpdate(
    manager
      .createQueryBuilder(ConversationSession, 's')
      .where('s.wecom_user_id = :wecomUserId', { wecomUserId }),
  ).getOneOrFail();
}

export async function saveSession(
  manager: EntityManager,
  session: ConversationSession,
  now: Date,
): Promise<void> {
  await manager.update(
    ConversationSession,
    { wecomUserId: session.wecomUserId },
    {
      flow: session.flow,
      step: session.step,
      draft: session.flow ? session.draft : null,
      pendingMedia: session.pendingMedia && session.pendingMedia.length > 0 ? session.pendingMedia : null,
      expiresAt:
        session.flow || session.pendingMedia?.length ? new Date(now.getTime() + SESSION_IDLE_MS) : null,
      updatedAt: now,
    },
  );
}
