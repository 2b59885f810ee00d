import { parseBackend, parseInference, type BackendInfo } from '../../core/backend/names.js';
import { diagnose, type Diagnosis } from '../../core/doctor.js';
import { int, SESSION_OPTIONS, str, type Command } from '../command.js';

const gb = (n: number) => `${(n / 1e9).toFixed(1)} GB`;
const yes = (b: boolean) => (b ? 'yes' : 'no');

/** The tfjs-node line: loaded, or what stands in the way and what to do. */
function tfjsNodeLines(d: Diagnosis): string[] {
  const n = d.tfjsNode;
  const inUse = 'name' in d.backend && d.backend.name === 'node';
  if (inUse) return [`in use${n.version ? ` (${n.version})` : ''}: ${n.detail}`];
  const lines = [`not in use: ${n.summary.replace(/^tfjs-node /, '')}`];
  if (n.state === 'present') lines.push(`installed, but it did not load: ${'note' in d.backend && d.backend.note ? d.backend.note : 'see --verbose'}`);
  else lines.push(n.detail);
  if (n.state === 'not-installed')
    lines.push('to get it (faster): run `npm ci` again where its install script can download libtensorflow (storage.googleapis.com)');
  if (n.allowScripts === false) lines.push("petlab's package.json denies its install script (allowScripts)");
  return lines;
}

function colours(depth: number | null): string {
  if (depth === null) return 'unknown';
  return depth >= 24 ? '16 million colours (24-bit)' : depth >= 8 ? '256 colours' : depth >= 4 ? '16 colours' : 'no colours';
}

/** What runs the frozen backbone: embeddings and fine-tuning's frozen-part features. */
function inferenceLine(b: BackendInfo): string {
  const frozen = `embeddings, frozen-part features${b.int8 ? ' (int8 for a quantized backbone)' : ' (float)'}`;
  if (b.inference === 'onnxruntime')
    return b.pointwise
      ? `ONNX Runtime (${frozen}; fine-tuning's 1x1 convolutions); the rest of training on the backend`
      : `ONNX Runtime (${frozen}); training on the backend`;
  return `the backend; ${b.inferenceNote ?? 'ONNX Runtime not used (inference: tfjs)'}`;
}

export function formatDiagnosis(d: Diagnosis, width = 100): string {
  const rows: Array<[string, string[]]> = [
    ['petlab', [`${d.version} on Node ${d.node}, ${d.platform}`]],
    ['backend', ['error' in d.backend ? `none: ${d.backend.error}` : (d.backend.reason ?? d.backend.name)]],
    ['inference', ['error' in d.backend ? 'none' : inferenceLine(d.backend)]],
    ['tfjs-node', tfjsNodeLines(d)],
    [
      'wasm',
      [
        'error' in d.wasm
          ? d.wasm.error
          : [`SIMD ${yes(d.wasm.simd)}`, `threads per worker ${d.wasm.threads ?? 1}`, `multithreaded build usable ${yes(d.wasm.multithread)}`].join(', '),
      ],
    ],
    ['cores', [`${d.cores} (${d.cpu})`]],
    ['garbage collection', [d.gc]],
    ['cache', [`${d.cacheDir}${d.freeBytes === null ? '' : ` (${gb(d.freeBytes)} free)`}`]],
    [
      'terminal',
      [
        d.terminal.isTTY
          ? `${d.terminal.columns}x${d.terminal.rows}, ${colours(d.terminal.colorDepth)} (TERM=${d.terminal.term ?? 'unset'}${d.terminal.colorterm ? `, COLORTERM=${d.terminal.colorterm}` : ''})`
          : `not a terminal (TERM=${d.terminal.term ?? 'unset'}): the workbench needs one`,
      ],
    ],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows
    .flatMap(([k, lines]) => lines.flatMap((l) => wrap(l, Math.max(30, width - w - 2))).map((l, i) => `${(i === 0 ? k : '').padEnd(w)}  ${l}`))
    .join('\n');
}

/** Words to lines of at most `width` columns (a longer word keeps its own line). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const word of text.split(' ')) {
    if (cur && cur.length + 1 + word.length > width) {
      out.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  return [...out, cur];
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'what petlab runs on here and why: backend, tfjs-node, wasm SIMD, cores, cache, terminal',
  usage: 'petlab doctor [--backend NAME] [--json]',
  options: { ...SESSION_OPTIONS },
  details:
    'The one command to run when petlab is slow: it starts the TensorFlow workers as a run would and says which backend they chose, and why not a faster one.',
  async run(ctx) {
    const stream = process.stdout.isTTY ? process.stdout : process.stderr;
    const d = await diagnose({
      backend: parseBackend(str(ctx, 'backend') ?? ctx.settings.backend),
      inference: parseInference(str(ctx, 'inference') ?? ctx.settings.inference),
      workers: int(ctx, 'workers', ctx.settings.workers, 1, 16),
      cacheDir: str(ctx, 'cache-dir') ?? ctx.settings.cacheDir,
      stream,
    });
    ctx.reporter.print(formatDiagnosis(d, process.stdout.isTTY ? process.stdout.columns : 100));
    ctx.reporter.result({ command: 'doctor', ...d });
    return 'error' in d.backend ? 1 : 0;
  },
};
