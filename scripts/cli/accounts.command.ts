import readline from 'node:readline';
import { MIN_PASSWORD_LENGTH, setPassword } from '../../bot/src/features/accounts';
import { recordAudit } from '../../bot/src/features/audit';
import { findStaffByNo } from '../../bot/src/features/staff';
import { inTransaction } from '../../bot/src/db/transaction';
import { cliActor, UsageError, type CliCommand } from './command';

/** Reads one line from standard input; hides what is typed when it is a terminal. */
function readPassword(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const input = process.stdin;
    const rl = readline.createInterface({ input, output: process.stderr, terminal: input.isTTY === true });
    if (input.isTTY) {
      process.stderr.write(prompt);
      (rl as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = () => undefined;
    }
    rl.once('line', (line) => {
      resolve(line.replace(/\r$/, '')); // before close(), whose handler would resolve with ''
      rl.close();
      if (input.isTTY) process.stderr.write('\n');
    });
    rl.once('close', () => resolve(''));
  });
}

export const userPasswdCommand: CliCommand = {
  name: 'user:passwd',
  summary: 'Set a back-office password (the first admin is created with user:add, then this)',
  usage: [
    'fieldline user:passwd <staff_no> [--password-stdin]',
    `  Prompts for the password (at least ${MIN_PASSWORD_LENGTH} characters), or reads one line from`,
    '  standard input with --password-stdin. All of that person’s sessions end.',
  ].join('\n'),
  async run(args, { out, err, migratedDatabase }) {
    const staffNo = args.find((arg) => !arg.startsWith('--'));
    if (!staffNo || args.some((arg) => arg.startsWith('--') && arg !== '--password-stdin'))
      throw new UsageError('expected a staff number');
    const dataSource = await migratedDatabase();
    const staff = await findStaffByNo(dataSource.manager, staffNo);
    if (!staff) {
      err(`No staff number ${staffNo}.`);
      return 1;
    }
    const password = await readPassword(`Password for ${staffNo}: `);
    if (password.length < MIN_PASSWORD_LENGTH) {
      err(`The password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
      return 1;
    }
    await inTransaction(dataSource, async (manager) => {
      await setPassword({ manager, staffId: staff.id, password });
      await recordAudit({
        manager,
        actor: cliActor(),
        action: 'staff.password',
        recordType: 'staff',
        recordId: staff.id,
        after: { passwordSet: true },
      });
    });
    out(`Password set for ${staffNo} (${staff.name}, ${staff.role}).`);
    return 0;
  },
};
