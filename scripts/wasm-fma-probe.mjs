// Does V8 here run wasm relaxed-SIMD FMA (f32x4.relaxed_madd), and is it faster than mul + add?
// `node scripts/wasm-fma-probe.mjs` (Node 20 / V8 11.3 needs --experimental-wasm-relaxed-simd, set below).
// Hand-encoded wasm (Debian clang 14 emits pre-standard relaxed-simd opcodes that V8 rejects):
// 8 independent f32x4 accumulators, acc = acc*x + x, by relaxed_madd (FMA) or by mul + add.
import v8 from 'v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const ACC = 8,
  X = 2 + ACC; // locals: 0 n, 1 s, 2..9 acc, 10 x
function module(fma) {
  const body = [];
  body.push(0x20, 1, 0xfd, 0x13, 0x21, X); // x = splat(s)
  body.push(0x03, 0x40); // loop
  for (let j = 0; j < ACC; j++) {
    if (fma) body.push(0x20, 2 + j, 0x20, X, 0x20, X, 0xfd, 0x85, 0x02, 0x21, 2 + j);
    else body.push(0x20, 2 + j, 0x20, X, 0xfd, 0xe6, 0x01, 0x20, X, 0xfd, 0xe4, 0x01, 0x21, 2 + j);
  }
  body.push(0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b); // n = n - 1; br_if n
  body.push(0x20, 2);
  for (let j = 1; j < ACC; j++) body.push(0x20, 2 + j, 0xfd, 0xe4, 0x01);
  body.push(0xfd, 0x1f, 0, 0x0b); // extract lane 0; end
  const locals = [1, ACC + 1, 0x7b];
  const fn = [...locals, ...body];
  const leb = (v) => (v < 128 ? [v] : [(v & 127) | 128, v >> 7]);
  const code = [1, ...leb(fn.length), ...fn];
  const bytes = [
    0,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    1,
    7,
    1,
    0x60,
    2,
    0x7f,
    0x7d,
    1,
    0x7d, // type (i32 f32) -> f32
    3,
    2,
    1,
    0, // function
    7,
    5,
    1,
    1,
    0x66,
    0,
    0, // export "f"
    10,
    ...leb(code.length),
    ...code,
  ];
  return new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes))).exports.f;
}
const f = { fma: module(true), muladd: module(false) };
const N = 2e8;
for (let r = 0; r < 3; r++)
  for (const [name, g] of Object.entries(f)) {
    const t = process.cpuUsage().user;
    g(N, 0.5);
    const ms = (process.cpuUsage().user - t) / 1000;
    console.log(`${name}: ${ms.toFixed(0)} ms, ${((N * ACC * 8) / ms / 1e6).toFixed(1)} GFLOP/s`);
  }
