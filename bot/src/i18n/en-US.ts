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
  'bind.sms.subject': 'Account binding code',
  'bind.sms.text':
    '[Field support] Your binding code is {code}, valid for 5 minutes. Ignore this message if you did not ask for it.',
  'bind.takeover.subject': 'Account binding refused',
  'bind.takeover.text':
    '[Field support] Staff number {staffNo} ({name}) is bound to WeCom account {boundTo}; account {attemptedBy} just tried to bind it and was refused. To move the binding, unbind the old account in the back office.',
  'bind.prompt':
    'Hello! Please bind your account first. Send: bind <staff number> <phone>\nFor example: bind A12345 13800000000',
  'bind.askStaffNo': 'Please send your staff number (e.g. A12345). Send "cancel" to stop.',
  'bind.askPhone': 'Please send the phone number registered for you.',
  'bind.badStaffNo': 'That is not a staff number; please send it again (letters and digits).',
  'bind.badPhone': 'That is not a phone number; please send your 11-digit mobile number.',
  'bind.mismatch':
    'The staff number or phone does not match our records. Check them and send again: bind <staff number> <phone>. If the records are wrong, ask an admin.',
  'bind.deactivated': 'This staff number is deactivated and cannot be bound. Please ask an admin.',
  'bind.boundElsewhere':
    'This staff number is already bound to another WeCom account. To change it, ask an admin to remove the old binding.',
  'bind.alreadyBound': 'You are already bound to staff number {staffNo} ({name}).',
  'bind.rateLimited': 'Too many codes requested; please try again in {minutes} minutes.',
  'bind.codeSent':
    'A code was sent to {phone}. Reply with the 6 digits within 5 minutes. Send "cancel" to stop.',
  'bind.askCode': 'Reply with the 6-digit code from the SMS, or send "cancel" to stop.',
  'bind.wrongCode': 'That code is not right; {left} tries left.',
  'bind.codeExpired': 'The code has expired. Send again: bind <staff number> <phone>',
  'bind.tooManyAttempts': 'Too many wrong codes. Send again: bind <staff number> <phone>',
  'bind.success': 'Bound! {name} (staff number {staffNo}), welcome to the field support service.',
  'bot.deactivated': 'Your account is deactivated. Please ask an admin if this is a mistake.',
  'bot.cancelled': 'Cancelled.',
  'bot.nothingToCancel': 'There is nothing in progress.',
  'bot.timedOut': 'What you started more than 10 minutes ago was not finished and has been cancelled.',
  'bot.switchedFlow': 'The unfinished operation was dropped.',
  'bot.unknown': 'I did not understand that. Send "help" to see what you can do.',
  'bot.notYetAvailable': '"{command}" is not available yet.',
  'bot.photoKept':
    'Photo received. Choose what it is for (e.g. send "hazard <description>") and it will be attached.',
  'bot.photoNotNeeded': 'Photo received, but this step does not need one. {prompt}',
  'bot.photoRejected': 'That photo could not be read (JPG or PNG only); please take it again.',
  'bot.help.title': 'You can send these commands (or use the menu below):',
  'bot.help.line': '{command} — {description}',
  'bot.help.footer': 'Send "cancel" at any time to stop, "help" to see this again.',
  'bot.my.none': 'You have nothing in progress.',
  'bot.my.title': 'In progress:',
  'command.help': 'show what you can do',
  'command.cancel': 'stop the current operation',
  'command.bind': 'bind your account',
  'command.my': 'what you have in progress',
  'bot.welcome':
    'Welcome to the field support service! Message the back office here when you are stuck on site, spot a hazard or a lead, or need an order completed.',
};
