import type { Staff } from '../features/staff';
import type { MessageKey, MessageParams } from '../i18n';
import { commandWord } from './commands';
import type { Flow } from './flow';

/** Help for one person: the commands their role can use, and how to stop or ask again. */
export function helpText(
  flows: readonly Flow[],
  staff: Staff,
  say: (key: MessageKey, params?: MessageParams) => string,
): string {
  const usable = flows.filter(
    (flow) => flow.requiresBinding && (!flow.roles || flow.roles.includes(staff.role)),
  );
  const line = (command: string, description: MessageKey) =>
    say('bot.help.line', { command, description: say(description) });
  return [
    say('bot.help.title'),
    ...usable.map((flow) => line(commandWord(flow.command), flow.description)),
    line(commandWord('my'), 'command.my'),
    line(commandWord('cancel'), 'command.cancel'),
    line(commandWord('help'), 'command.help'),
    say('bot.help.footer'),
  ].join('\n');
}
