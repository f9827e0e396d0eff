/**
 * The text commands of DESIGN §7 — the menu's twins — with English aliases. A command is the first word
 * of a message; the rest is its argument (`隐患 光交箱门损坏` → hazard, "光交箱门损坏").
 */
export const COMMANDS = {
  help: ['帮助', '菜单', 'help', 'menu'],
  cancel: ['取消', 'cancel'],
  bind: ['绑定', 'bind'],
  hazard: ['隐患', 'hazard'],
  lead: ['商机', 'lead'],
  ask: ['提问', 'ask'],
  support: ['支撑', 'support'],
  complete: ['报竣', 'complete'],
  quiz: ['闯关', 'quiz'],
  points: ['积分', 'points'],
  rate: ['评价', 'rate'],
  search: ['查询', 'search'],
  my: ['我的', 'my'],
  notices: ['通知', 'notices'],
  cases: ['案例', 'cases'],
  videos: ['视频', 'videos'],
} as const;

export type CommandName = keyof typeof COMMANDS;

const BY_WORD = new Map<string, CommandName>(
  (Object.entries(COMMANDS) as Array<[CommandName, readonly string[]]>).flatMap(([name, words]) =>
    words.map((word) => [word.toLowerCase(), name] as const),
  ),
);

export interface ParsedCommand {
  readonly command: CommandName;
  readonly argument: string;
}

/** The command a message starts with, if any. Full-width spaces count as spaces. */
export function parseCommand(text: string): ParsedCommand | undefined {
  const trimmed = text.replace(/\u3000/g, ' ').trim();
  const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(trimmed);
  if (!match) return undefined;
  const command = BY_WORD.get((match[1] ?? '').toLowerCase());
  return command ? { command, argument: (match[2] ?? '').trim() } : undefined;
}

/** The word shown to users for a command (the first Chinese form). */
export function commandWord(command: CommandName): string {
  return COMMANDS[command][0];
}
