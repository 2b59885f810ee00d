import { isPetlabError } from '../core/errors.js';
import { environmentError } from '../core/io/fs-errors.js';
import { helpText, makeContext, type Command } from './command.js';
import { Reporter } from './reporter.js';
import { editDistance } from '../text/closest.js';
import { trainCommand } from './commands/train.js';
import { evalCommand } from './commands/eval.js';
import { predictCommand } from './commands/predict.js';
import { dataInfoCommand } from './commands/data-info.js';
import { dataGetCommand } from './commands/data-get.js';
import { dataListCommand } from './commands/data-list.js';
import { modelsCommand } from './commands/models.js';
import { configCommand } from './commands/config.js';
import { activationsCommand } from './commands/activations.js';
import { explainCommand } from './commands/explain.js';
import { lrFindCommand } from './commands/lr-find.js';
import { doctorCommand } from './commands/doctor.js';
import { pairsCompareCommand, pairsEvalCommand, pairsTrainCommand } from './commands/pairs.js';
import { exportCommand } from './commands/export.js';
import { reviewCommand } from './commands/review.js';
import { similarCommand } from './commands/similar.js';

export const COMMANDS: Command[] = [
  trainCommand,
  evalCommand,
  predictCommand,
  dataInfoCommand,
  dataGetCommand,
  dataListCommand,
  modelsCommand,
  configCommand,
  activationsCommand,
  explainCommand,
  lrFindCommand,
  doctorCommand,
  pairsTrainCommand,
  pairsEvalCommand,
  pairsCompareCommand,
  reviewCommand,
  similarCommand,
];

export function registerCommand(c: Command): void {
  if (!COMMANDS.some((x) => x.name === c.name)) COMMANDS.push(c);
}
registerCommand(exportCommand);

export function topHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'petlab — train image classifiers by transfer learning, from the terminal',
    '',
    'usage:',
    '  petlab [--data DIR] [--backbone NAME|PATH]   open the workbench (TUI) in a terminal',
    '  petlab COMMAND [options]                     run headless',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Every command takes --help, and --json for one JSON object per event on stdout.',
    'Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted.',
  ].join('\n');
}

/** Find the command named by the leading words of argv ("data info" takes two). */
export function findCommand(argv: string[]): { cmd: Command; rest: string[] } | undefined {
  const two = argv.slice(0, 2).join(' ');
  const byTwo = COMMANDS.find((c) => c.name === two);
  if (byTwo) return { cmd: byTwo, rest: argv.slice(2) };
  const byOne = COMMANDS.find((c) => c.name === argv[0]);
  if (byOne) return { cmd: byOne, rest: argv.slice(1) };
  return undefined;
}

/** Run one headless command; returns the exit code. Errors become one line (plus a hint). */
export async function runCli(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const json = argv.includes('--json');
  try {
    if (!argv.length || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      process.stdout.write(topHelp() + '\n');
      return 0;
    }
    const found = findCommand(argv);
    if (!found) {
      const group = COMMANDS.filter((c) => c.name.startsWith(argv[0] + ' '));
      if (group.length) {
        const sub = argv[1];
        if (!sub || sub === '--help' || sub === '-h') {
          process.stdout.write(`petlab ${argv[0]} subcommands:\n${group.map((c) => `  ${c.name.padEnd(12)}  ${c.summary}`).join('\n')}\n`);
          return sub ? 0 : 2;
        }
        process.stderr.write(`petlab: unknown command "${argv[0]} ${sub}"\nhint: one of: ${group.map((c) => c.name).join(', ')}\n`);
        return 2;
      }
      const guess = meantCommand(argv[0]);
      process.stderr.write(
        `petlab: unknown command "${argv[0]}"\nhint: ${guess ? `did you mean petlab ${guess}? ` : ''}run petlab --help for the list of commands\n`,
      );
      return 2;
    }
    const { cmd, rest } = found;
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(helpText(cmd) + '\n');
      return 0;
    }
    const ctx = makeContext(cmd, rest);
    try {
      return await cmd.run(ctx);
    } finally {
      ctx.reporter.finish();
    }
  } catch (e) {
    return reportError(e, { verbose, json });
  }
}

export function reportError(e0: unknown, o: { verbose: boolean; json: boolean }): number {
  // a fault of the machine (full disk, read-only folder) is said as such, wherever it surfaced
  const e = environmentError(e0) ?? e0;
  const r = new Reporter({ json: o.json, verbose: o.verbose });
  r.finish();
  if (isPetlabError(e)) {
    if (o.json) process.stdout.write(JSON.stringify({ type: 'error', message: e.message, hint: e.hint ?? null, exitCode: e.exitCode }) + '\n');
    process.stderr.write(`petlab: ${e.kind === 'usage' ? 'usage error' : 'error'}: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
    if (o.verbose && e.stack) process.stderr.write(e.stack + '\n');
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  if (o.json) process.stdout.write(JSON.stringify({ type: 'error', message: err.message, hint: null, exitCode: 1 }) + '\n');
  process.stderr.write(
    `petlab: internal error: ${err.message.split('\n')[0]}\n${o.verbose ? (err.stack ?? '') + '\n' : 'hint: run again with --verbose for the details, and report it\n'}`,
  );
  return 1;
}

/** The command a mistyped word most likely meant: one starts the other ('evaluate', 'pred'), or it is two edits away ('trian'). */
export function meantCommand(word: string): string | undefined {
  const names = [...new Set(COMMANDS.map((c) => c.name.split(' ')[0]))];
  const w = word.toLowerCase();
  if (w.length >= 3) {
    const prefix = names.filter((n) => w.startsWith(n) || n.startsWith(w));
    if (prefix.length === 1) return prefix[0];
  }
  const near = names.map((n) => ({ n, d: editDistance(w, n) })).sort((a, b) => a.d - b.d);
  return near[0] && near[0].d <= 2 && near[0].d < (near[1]?.d ?? Infinity) ? near[0].n : undefined;
}
