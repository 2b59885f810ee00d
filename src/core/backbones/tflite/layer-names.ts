/**
 * Readable tfjs layer names from TFLite tensor names. The converter names an op's output after
 * the TF ops it fused, e.g. "MobilenetV2/expanded_conv_3/depthwise/Relu6;...;.../BatchNorm_Fold/bias".
 * We keep the first of those names and drop the trailing implementation details (Relu6,
 * BiasAdd, FusedBatchNormV3, ...), which leaves the block name a user recognises:
 * "MobilenetV2/expanded_conv_3/depthwise".
 */

const DETAIL_SEGMENTS = new Set(
  [
    'relu',
    'relu6',
    'biasadd',
    'add_fold',
    'conv2d',
    'conv2d_fold',
    'depthwise_fold',
    'batchnorm',
    'batchnorm_fold',
    'batch_norm',
    'fusedbatchnorm',
    'fusedbatchnormv3',
    'matmul',
    'act_quant',
    'fakequantwithminmaxvars',
  ].map((s) => s.toLowerCase()),
);

/** tfjs accepts /^[A-Za-z0-9][-A-Za-z0-9._/]*$/ for layer and weight names. */
function sanitize(s: string): string {
  let out = s.replace(/:\d+$/, '').replace(/[^-A-Za-z0-9._/]/g, '_');
  out = out
    .replace(/\/{2,}/g, '/')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/\/+$/, '');
  return out;
}

export function readableName(tensorName: string): string {
  const first = tensorName.split(';')[0] ?? '';
  const segments = sanitize(first)
    .split('/')
    .filter((s) => s.length > 0);
  // Drop detail segments from the end, but never the last remaining one.
  while (segments.length > 1 && DETAIL_SEGMENTS.has(segments[segments.length - 1].toLowerCase())) segments.pop();
  // ".../add/add" -> ".../add"
  while (segments.length > 1 && segments[segments.length - 1] === segments[segments.length - 2]) segments.pop();
  return segments.join('/');
}

/** Hands out unique names: a clash gets _1, _2, ... */
export class LayerNamer {
  private readonly used = new Set<string>();

  unique(base: string, fallback = 'layer'): string {
    const b = base || fallback;
    let name = b;
    for (let i = 1; this.used.has(name); i++) name = `${b}_${i}`;
    this.used.add(name);
    return name;
  }

  /** A unique readable name for the layer producing `tensorName`. */
  forTensor(tensorName: string, fallback: string): string {
    return this.unique(readableName(tensorName), fallback);
  }
}
