import { migrationStatus, revertLastMigration, runPendingMigrations } from '../../bot/src/db/migrations';
import { UsageError, type CliCommand } from './command';

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'Apply, revert or list database migrations',
  usage: [
    'fieldline migrate <up|down|status> [--steps N]',
    '  up       apply every pending migration',
    '  down     revert the most recent migration (--steps N reverts N)',
    '  status   list applied and pending migrations',
  ].join('\n'),
  async run(args, { out, database }) {
    const [action, ...rest] = args;
    const dataSource = await database();
    switch (action) {
      case 'up': {
        const applied = await runPendingMigrations(dataSource);
        out(
          applied.length === 0
            ? 'Nothing to apply: the schema is up to date.'
            : `Applied: ${applied.join(', ')}`,
        );
        return 0;
      }
      case 'down': {
        const steps = parseSteps(rest);
        for (let i = 0; i < steps; i += 1) {
          const reverted = await revertLastMigration(dataSource);
          if (reverted === undefined) {
            out('Nothing to revert.');
            break;
          }
          out(`Reverted: ${reverted}`);
        }
        return 0;
      }
      case 'status': {
        const status = await migrationStatus(dataSource);
        for (const name of status.applied) out(`[x] ${name}`);
        for (const name of status.pending) out(`[ ] ${name}`);
        for (const name of status.unknown) out(`[?] ${name} (applied, but not in this version of the code)`);
        out(`${status.applied.length} applied, ${status.pending.length} pending`);
        return status.pending.length === 0 ? 0 : 1;
      }
      case undefined:
        throw new UsageError('missing action');
      default:
        throw new UsageError(`unknown action "${action}"`);
    }
  },
};

function parseSteps(args: readonly string[]): number {
  if (args.length === 0) return 1;
  if (args[0] !== '--steps' || args.length !== 2 || !/^[1-9]\d*$/.test(args[1] ?? '')) {
    throw new UsageError('expected --steps N with N a positive whole number');
  }
  return Number(args[1]);
}
