import type { MessageKey } from './zh-CN';

/** en-US catalog: the same keys as zh-CN.ts (enforced by the type). */
export const enUS: Record<MessageKey, string> = {
  'error.VALIDATION_FAILED': 'Invalid input: {detail}',
  'error.UNAUTHENTICATED': 'Please sign in first.',
  'error.FORBIDDEN': 'You are not allowed to do this.',
  'error.NOT_FOUND': 'Nothing was found.',
  'error.CONFLICT': 'Someone else changed this record; reload and try again.',
  'error.ILLEGAL_TRANSITION': 'This action is not possible in the current state.',
  'error.RATE_LIMITED': 'Too many attempts; please try again later.',
  'error.PAYLOAD_TOO_LARGE': 'What you sent is too large.',
  'error.BAD_REQUEST': 'The request is malformed.',
  'error.UNAVAILABLE': 'The service is temporarily unavailable; please try again later.',
  'error.INTERNAL':
    'Something went wrong; please try again later. If it keeps happening, tell an admin the reference {requestId}.',
  'health.notReady.connecting': 'Connecting to the database (attempt {attempt}): {reason}',
  'health.notReady.migrating': 'Database migrations are running',
  'health.notReady.pendingMigrations': '{count} database migration(s) have not been applied',
  'health.notReady.unreachable': 'The database is not answering: {reason}',
  'health.notReady.closed': 'The service is shutting down',
  'notify.botReply.subject': 'Reply from the field support service',
  'notify.smsFallback.prefix': '(The SMS could not be delivered; sent through WeCom instead) ',
  'bot.welcome':
    'Welcome to the field support service! Message the back office here when you are stuck on site, spot a hazard or a lead, or need an order completed.',
  'bot.help':
    'Hello, this is the field support service. Your message was received. Account binding, hazard and lead reports, questions, on-site support and offline completion are being switched on; you will be told here when they are.',
};
