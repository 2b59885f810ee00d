import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { loadSettings, type Settings } from '../core/settings.js';
import { Reporter } from './reporter.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** shown in --help, e.g. "DIR" */
  arg?: string;
  description: string;
}

export interface CommandContext {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  settings: Settings;
  reporter: Reporter;
}

export interface Command {
  /** e.g. "train" or "data info" */
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** extra help text after the options */
  details?: string;
  allowPositionals?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'one JSON object per event on stdout, then a result object' },
  verbose: { type: 'boolean', short: 'v', description: 'more detail, and stack traces on errors' },
  quiet: { type: 'boolean', short: 'q', description: 'only warnings, errors and the result' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export const SESSION_OPTIONS: Record<string, OptionSpec> = {
  backend: { type: 'string', arg: 'NAME', description: 'node | wasm | cpu | auto (default: fastest that loads)' },
  inference: {
    type: 'string',
    arg: 'NAME',
    description:
      "onnxruntime | onnxruntime-float | tfjs | auto: what runs the frozen backbone and fine-tuning's 1x1 convolutions (default: ONNX Runtime when it loads, int8 for a quantized backbone; -float: never int8)",
  },
  workers: { type: 'string', arg: 'N', description: 'TensorFlow worker threads (default: one per core)' },
  'cache-dir': { type: 'string', arg: 'DIR', description: 'where downloads, converted models and embeddings are cached' },
};

export function helpText(cmd: Command): string {
  const opts = { ...cmd.options, ...COMMON_OPTIONS };
  const rows = Object.entries(opts).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    return [flag, o.description];
  });
  const w = Math.max(...rows.map((r) => r[0].length));
  return [
    `petlab ${cmd.name} — ${cmd.summary}`,
    '',
    `usage: ${cmd.usage}`,
    '',
    'options:',
    ...rows.map(([f, d]) => `  ${f.padEnd(w)}  ${d}`),
    ...(cmd.details ? ['', cmd.details] : []),
  ].join('\n');
}

export function parseCommandArgs(cmd: Command, argv: string[]): { values: CommandContext['values']; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries({ ...cmd.options, ...COMMON_OPTIONS }).map(([k, o]) => [
      k,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: cmd.allowPositionals ?? false, strict: true });
    return { values: r.values as CommandContext['values'], positionals: r.positionals };
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument starting with a '-'.*$/s, '');
    throw new UsageError(msg, `see: petlab ${cmd.name} --help`);
  }
}

export function makeContext(cmd: Command, argv: string[]): CommandContext {
  const { values, positionals } = parseCommandArgs(cmd, argv);
  const reporter = new Reporter({ json: Boolean(values.json), verbose: Boolean(values.verbose), quiet: Boolean(values.quiet) });
  return { values, positionals, settings: loadSettings(), reporter };
}

// ---- typed option readers: a bad value is a usage error naming the flag ----

export function str(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function int(ctx: CommandContext, name: string, dflt: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const v = str(ctx, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got "${v}"`);
  return n;
}

export function float(ctx: CommandContext, name: string, dflt: number, min: number, max: number, inclusiveMax = true): number {
  const v = str(ctx, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (inclusiveMax ? n > max : n >= max))
    throw new UsageError(`--${name} must be a number in [${min}, ${max}${inclusiveMax ? ']' : ')'}, got "${v}"`);
  return n;
}

export function bool(ctx: CommandContext, name: string): boolean {
  return ctx.values[name] === true;
}
