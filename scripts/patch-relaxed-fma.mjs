// Rewrite Debian clang 14's pre-standard relaxed-SIMD FMA (0xfd 175, "f32x4.relaxed_fma", which
// V8 11.3 rejects) into the standard f32x4.relaxed_madd (0xfd 261) in a linked module, in place.
// `node scripts/patch-relaxed-fma.mjs file.wasm`. Walks every function body instruction by
// instruction (immediates decoded, so bytes inside constants and offsets are never touched) and
// fails on any opcode it does not know. Both sub-opcodes are 2-byte LEBs: no sizes change.
// Operands: clang 14's builtin(a, b, c) pushes a, b, c; the standard op computes a * b + c.
import fs from 'node:fs';

const OLD_FMA = 175;
const MADD = 261;
// standard SIMD sub-opcodes with immediates; the unassigned ones (where the pre-standard relaxed
// ops sat) are refused
const MEMARG = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 92, 93]);
const LANE = new Set([21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34]);
const UNASSIGNED = new Set([0x9a, 0xa2, 0xa5, 0xa6, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb, 0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee]);

export function patchRelaxedFma(bytes) {
  let p = 8;
  let patched = 0;
  const u32 = () => {
    let r = 0,
      s = 0,
      b;
    do {
      b = bytes[p++];
      r += (b & 127) * 2 ** s;
      s += 7;
    } while (b & 128);
    return r;
  };
  const sleb = () => {
    let b;
    do b = bytes[p++];
    while (b & 128);
  };
  const memarg = () => {
    u32();
    u32();
  };
  const fail = (what) => {
    throw new Error(`patch-relaxed-fma: ${what} at byte ${p}`);
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const len = u32();
    const end = p + len;
    if (id === 10) {
      const count = u32();
      for (let f = 0; f < count; f++) {
        const size = u32();
        const fnEnd = p + size;
        for (let groups = u32(); groups > 0; groups--) {
          u32();
          p++;
        }
        while (p < fnEnd) instruction();
        if (p !== fnEnd) fail('function body overrun');
      }
    }
    p = end;
  }
  return patched;

  function instruction() {
    const op = bytes[p++];
    if (op === 0x02 || op === 0x03 || op === 0x04) {
      // blocktype: 0x40, a value type, or a type index (s33)
      const b = bytes[p];
      if (b === 0x40 || b === 0x7f || b === 0x7e || b === 0x7d || b === 0x7c || b === 0x7b || b === 0x70 || b === 0x6f) p++;
      else sleb();
    } else if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x24) || op === 0xd2) u32();
    else if (op === 0x0e) {
      for (let n = u32(); n >= 0; n--) u32();
    } else if (op === 0x11) {
      u32();
      u32();
    } else if (op === 0x1c) {
      for (let n = u32(); n > 0; n--) p++;
    } else if (op === 0x25 || op === 0x26) u32();
    else if (op >= 0x28 && op <= 0x3e) memarg();
    else if (op === 0x3f || op === 0x40) p++;
    else if (op === 0x41 || op === 0x42) sleb();
    else if (op === 0x43) p += 4;
    else if (op === 0x44) p += 8;
    else if (op === 0xd0) p++;
    else if (op === 0xfc) {
      const sub = u32();
      if (sub === 8) {
        u32();
        p++;
      } else if (sub === 9 || sub === 13 || sub === 15 || sub === 16 || sub === 17) u32();
      else if (sub === 10) p += 2;
      else if (sub === 11) p++;
      else if (sub === 12 || sub === 14) {
        u32();
        u32();
      } else if (sub > 7) fail(`unknown 0xfc ${sub}`);
    } else if (op === 0xfd) {
      const at = p;
      const sub = u32();
      if (MEMARG.has(sub)) memarg();
      else if (sub === 12 || sub === 13) p += 16;
      else if (LANE.has(sub)) p++;
      else if (sub >= 84 && sub <= 91) {
        memarg();
        p++;
      } else if (sub === OLD_FMA) {
        if (p - at !== 2) fail('unexpected LEB width');
        bytes[at] = (MADD & 127) | 128;
        bytes[at + 1] = MADD >> 7;
        patched++;
      } else if (sub > 0xff || UNASSIGNED.has(sub)) fail(`unknown or pre-standard SIMD opcode ${sub}`);
    } else if (!(
      (op >= 0x00 && op <= 0x01) ||
      op === 0x05 ||
      op === 0x0b ||
      op === 0x0f ||
      op === 0x1a ||
      op === 0x1b ||
      (op >= 0x45 && op <= 0xc4) ||
      op === 0xd1
    ))
      fail(`unknown opcode 0x${op.toString(16)}`);
  }
}

if (process.argv[2]) {
  const file = process.argv[2];
  const bytes = fs.readFileSync(file);
  const n = patchRelaxedFma(bytes);
  fs.writeFileSync(file, bytes);
  console.log(`${file}: ${n} relaxed FMA opcodes rewritten`);
}
