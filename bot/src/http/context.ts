import type { Logger } from '../logger';

/** What every request carries through the middleware chain (ctx.state). */
export interface RequestState {
  requestId: string;
  log: Logger;
}
