/**
 * The shared WeCom access_token (DESIGN §5): valid 7200 s, refreshed ahead of expiry, possibly invalidated
 * early by WeCom. Kept in the database so every instance uses the same one, and refreshed under a lease
 * row so that a burst of callers — in one process or across several — makes exactly one gettoken call.
 */
import type { DataSource } from 'typeorm';
import { inTransaction } from '../../db/transaction';
import { WecomAccessToken } from './access-token.entity';

/** Refresh this long before WeCom's stated expiry, so no request is sent with a token about to lapse. */
export const REFRESH_AHEAD_MS = 5 * 60 * 1000;
const LEASE_MS = 15_000;
const WAIT_STEP_MS = 100;

export interface FetchedToken {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
}

export interface TokenStoreOptions {
  readonly dataSource: () => DataSource;
  readonly key: string;
  readonly owner: string;
  /** Calls gettoken. Its errors propagate to every waiting caller. */
  readonly fetchToken: () => Promise<FetchedToken>;
  readonly clock?: () => number;
}

export class TokenStore {
  private cached: { token: string; expiresAt: number } | undefined;
  private inFlight: Promise<string> | undefined;
  private readonly clock: () => number;

  constructor(private readonly options: TokenStoreOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** A token valid for at least REFRESH_AHEAD_MS more. */
  async get(): Promise<string> {
    if (this.cached && this.cached.expiresAt - REFRESH_AHEAD_MS > this.clock()) return this.cached.token;
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /**
   * Forgets `token` (WeCom said 40014/42001) here and in the database, unless another instance already
   * replaced it, so the next `get()` refreshes.
   */
  async invalidate(token: string): Promise<void> {
    if (this.cached?.token === token) this.cached = undefined;
    await inTransaction(this.options.dataSource(), (manager) =>
      manager.update(
        WecomAccessToken,
        { key: this.options.key, accessToken: token },
        { expiresAt: new Date(0) },
      ),
    );
  }

  private usable(
    row: WecomAccessToken | null,
  ): row is WecomAccessToken & { accessToken: string; expiresAt: Date } {
    return (
      row !== null &&
      row.accessToken !== null &&
      row.expiresAt !== null &&
      row.expiresAt.getTime() - REFRESH_AHEAD_MS > this.clock()
    );
  }

  private remember(token: string, expiresAt: Date): string {
    this.cached = { token, expiresAt: expiresAt.getTime() };
    return token;
  }

  private async load(): Promise<string> {
    const dataSource = this.options.dataSource();
    const { key, owner } = this.options;
    const deadline = this.clock() + LEASE_MS * 2;
    for (;;) {
      const row = await dataSource.manager.findOneBy(WecomAccessToken, { key });
      if (this.usable(row)) return this.remember(row.accessToken, row.expiresAt);
      if (await this.takeLease(dataSource)) {
        try {
          const fetched = await this.options.fetchToken();
          const expiresAt = new Date(this.clock() + fetched.expiresInSeconds * 1000);
          await inTransaction(dataSource, (manager) =>
            manager.update(
              WecomAccessToken,
              { key, refreshOwner: owner },
              {
                accessToken: fetched.accessToken,
                expiresAt,
                refreshOwner: null,
                refreshLeaseUntil: null,
                updatedAt: new Date(this.clock()),
              },
            ),
          );
          return this.remember(fetched.accessToken, expiresAt);
        } catch (error) {
          await inTransaction(dataSource, (manager) =>
            manager.update(
              WecomAccessToken,
              { key, refreshOwner: owner },
              { refreshOwner: null, refreshLeaseUntil: null },
            ),
          );
          throw error;
        }
      }
      if (this.clock() > deadline)
        throw new Error('timed out waiting for another instance to refresh the WeCom token');
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }

  /** Claims the right to refresh; false if another instance holds an unexpired lease. */
  private async takeLease(dataSource: DataSource): Promise<boolean> {
    const { key, owner } = this.options;
    const now = new Date(this.clock());
    return inTransaction(dataSource, async (manager) => {
      await manager.createQueryBuilder().insert().into(WecomAccessToken).values({ key }).orIgnore().execute();
      const result = await manager
        .createQueryBuilder()
        .update(WecomAccessToken)
        .set({ refreshOwner: owner, refreshLeaseUntil: new Date(now.getTime() + LEASE_MS) })
        .where({ key })
        .andWhere('(refresh_lease_until IS NULL OR refresh_lease_until < :now)', { now })
        .andWhere('(access_token IS NULL OR expires_at IS NULL OR expires_at < :soon)', {
          soon: new Date(now.getTime() + REFRESH_AHEAD_MS),
        })
        .execute();
      return result.affected === 1;
    });
  }
}
