// petlab's own wasm SIMD kernels for training on tfjs's wasm backend (the ones XNNPACK lacks).
// They run in tfjs's own linear memory (imported): arguments are byte offsets of tensors there.
// No static data, no shadow stack (built with stack-size 0): nothing of tfjs's memory is touched
// but the output arrays. Rebuild: scripts/build-wasm-kernels.sh (clang + wasm-ld, Debian's).
#include <wasm_simd128.h>

// Gradient of relu6 at x: out = dy where 0 < x <= 6, else dy * 0 (as tf.relu6's gradient).
void relu6_grad(const float *dy, const float *x, float *out, int n) {
  const v128_t zero = wasm_f32x4_splat(0.0f), six = wasm_f32x4_splat(6.0f), one = wasm_f32x4_splat(1.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t xv = wasm_v128_load(x + i);
    v128_t mask = wasm_v128_and(wasm_f32x4_gt(xv, zero), wasm_f32x4_le(xv, six));
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(dy + i), wasm_v128_and(mask, one)));
  }
  for (; i < n; i++) out[i] = dy[i] * ((x[i] > 0.0f && x[i] <= 6.0f) ? 1.0f : 0.0f);
}

// Gradient of relu (hi = inf) or relu6 (hi = 6) from its output y: out = dy where 0 < y < hi, else 0.
// One pass; ONNX Runtime needs four (two comparisons, and, where) for the same bits.
void act_grad_from_output(const float *dy, const float *y, float *out, int n, float hi) {
  const v128_t zero = wasm_f32x4_splat(0.0f), top = wasm_f32x4_splat(hi);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t yv = wasm_v128_load(y + i);
    v128_t pass = wasm_v128_and(wasm_f32x4_gt(yv, zero), wasm_f32x4_lt(yv, top));
    wasm_v128_store(out + i, wasm_v128_and(wasm_v128_load(dy + i), pass));
  }
  for (; i < n; i++) out[i] = (y[i] > 0.0f && y[i] < hi) ? dy[i] : 0.0f;
}

// acc[k] += a[k] * b[k] for k < c, four lanes at a time (multiply, then add: no FMA here).
static inline __attribute__((always_inline)) void madd_row(float *acc, const float *a, const float *b, int c) {
  int k = 0;
  for (; k + 4 <= c; k += 4)
    wasm_v128_store(acc + k, wasm_f32x4_add(wasm_v128_load(acc + k), wasm_f32x4_mul(wasm_v128_load(a + k), wasm_v128_load(b + k))));
  for (; k < c; k++) acc[k] += a[k] * b[k];
}

// The taps of a depthwise convolution with channel multiplier 1, NHWC, for both its gradients:
// for each dy pixel (b, oh, ow) and each tap (i, j) landing inside the image, at
// (ih, iw) = (oh*sh + i*dh - top, ow*sw + j*dw - left), one row of c products is added to
//   to_filter: out = df, in = x:  df[i][j][ch] += x[b][ih][iw][ch] * dy[b][oh][ow][ch]
//   else:      out = dx, in = f:  dx[b][ih][iw][ch] += dy[b][oh][ow][ch] * f[i][j][ch]
// Forced inline: to_filter is a constant at each call, so each gradient gets its own branch-free loop.
static inline __attribute__((always_inline)) void depthwise_taps(int to_filter, const float *dy, const float *in, float *out, int n, int h, int w, int c,
                                                                 int ho, int wo, int kh, int kw, int sh, int sw, int dh, int dw, int top, int left) {
  for (int b = 0; b < n; b++)
    for (int oh = 0; oh < ho; oh++)
      for (int i = 0; i < kh; i++) {
        int ih = oh * sh + i * dh - top;
        if (ih < 0 || ih >= h) continue;
        for (int ow = 0; ow < wo; ow++) {
          const float *d = dy + (((long)b * ho + oh) * wo + ow) * c;
          for (int j = 0; j < kw; j++) {
            int iw = ow * sw + j * dw - left;
            if (iw < 0 || iw >= w) continue;
            long pixel = (((long)b * h + ih) * w + iw) * c;
            int tap = (i * kw + j) * c;
            if (to_filter)
              madd_row(out + tap, in + pixel, d, c);
            else
              madd_row(out + pixel, d, in + tap, c);
          }
        }
      }
}

// dFilter of a depthwise convolution with channel multiplier 1, NHWC:
//   df[i][j][ch] = sum over (b, oh, ow) of x[b][oh*sh + i*dh - top][ow*sw + j*dw - left][ch] * dy[b][oh][ow][ch]
// (taps outside x are zero padding). df: kh*kw*c floats, overwritten.
void depthwise_filter_grad(const float *x, const float *dy, float *df, int n, int h, int w, int c, int ho, int wo, int kh,
                           int kw, int sh, int sw, int dh, int dw, int top, int left) {
  for (int k = 0; k < kh * kw * c; k++) df[k] = 0.0f;
  depthwise_taps(1, dy, x, df, n, h, w, c, ho, wo, kh, kw, sh, sw, dh, dw, top, left);
}

// dx of a depthwise convolution with channel multiplier 1, NHWC (f: kh*kw*c):
//   dx[b][oh*sh + i*dh - top][ow*sw + j*dw - left][ch] += dy[b][oh][ow][ch] * f[i][j][ch]
// dx: n*h*w*c floats, overwritten.
void depthwise_input_grad(const float *dy, const float *f, float *dx, int n, int h, int w, int c, int ho, int wo, int kh,
                          int kw, int sh, int sw, int dh, int dw, int top, int left) {
  long total = (long)n * h * w * c;
  for (long k = 0; k < total; k++) dx[k] = 0.0f;
  depthwise_taps(0, dy, f, dx, n, h, w, c, ho, wo, kh, kw, sh, sw, dh, dw, top, left);
}

// c[m][n] = sum over k of A(m, k) * b[k*ldb + n], A(m, k) = a[m*sam + k*sak]: a matrix product
// whose left operand is read through strides (transposed in place) and whose right one is
// row-major, so neither needs a transposed copy nor packing. 4x8 register tiles (left values
// splatted from memory), k in blocks that stay in cache. c: m*n floats, overwritten.
#define KC 128
// k block when A is read transposed (sam 1, dW = x^T dy: k = pixels, long): shorter blocks keep
// more of x's strided rows in L1; bit-identical (c is stored and reloaded between blocks)
#ifndef KC_T
#define KC_T 48
#endif
// MADD(x, y, acc) = x * y + acc. The FMA build (-DPETLAB_FMA, -mrelaxed-simd) uses relaxed-SIMD
// FMA: clang 14 knows it only by its pre-standard opcode, which scripts/patch-relaxed-fma.mjs
// rewrites into the standard f32x4.relaxed_madd (a * b + c, operands as pushed).
#ifdef PETLAB_FMA
#define MADD(x, y, acc) __builtin_wasm_fma_f32x4(x, y, acc)
#else
#define MADD(x, y, acc) wasm_f32x4_add(acc, wasm_f32x4_mul(x, y))
#endif
// epilogue of the last k block: + bias (when given), then act (0 none, 1 relu, 2 relu6)
static inline v128_t finish(v128_t v, const float *bias, int act) {
  if (bias) v = wasm_f32x4_add(v, wasm_v128_load(bias));
  if (act) v = wasm_f32x4_max(v, wasm_f32x4_splat(0.0f));
  if (act == 2) v = wasm_f32x4_min(v, wasm_f32x4_splat(6.0f));
  return v;
}

// first: the accumulators start at zero instead of c (no zeroing pass over c);
// last: bias and act applied before the one store (no second pass over c).
static inline __attribute__((always_inline)) void tile4x8(const float *a, long sam, long sak, const float *b, long ldb, float *c,
                                                          long ldc, int kc, int first, int last, const float *bias, int act) {
  v128_t z = wasm_f32x4_splat(0.0f);
  v128_t c00 = first ? z : wasm_v128_load(c), c01 = first ? z : wasm_v128_load(c + 4);
  v128_t c10 = first ? z : wasm_v128_load(c + ldc), c11 = first ? z : wasm_v128_load(c + ldc + 4);
  v128_t c20 = first ? z : wasm_v128_load(c + 2 * ldc), c21 = first ? z : wasm_v128_load(c + 2 * ldc + 4);
  v128_t c30 = first ? z : wasm_v128_load(c + 3 * ldc), c31 = first ? z : wasm_v128_load(c + 3 * ldc + 4);
  const float *a1 = a + sam, *a2 = a + 2 * sam, *a3 = a + 3 * sam;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    v128_t x0, x1, x2, x3;
    if (sam == 1) {
      // the 4 left values are adjacent (A read transposed, as in dW = x^T dy): one load, 4 lane splats
      v128_t xa = wasm_v128_load(a);
      x0 = wasm_i32x4_shuffle(xa, xa, 0, 0, 0, 0), x1 = wasm_i32x4_shuffle(xa, xa, 1, 1, 1, 1);
      x2 = wasm_i32x4_shuffle(xa, xa, 2, 2, 2, 2), x3 = wasm_i32x4_shuffle(xa, xa, 3, 3, 3, 3);
    } else {
      x0 = wasm_v128_load32_splat(a), x1 = wasm_v128_load32_splat(a1);
      x2 = wasm_v128_load32_splat(a2), x3 = wasm_v128_load32_splat(a3);
    }
    c00 = MADD(x0, b0, c00);
    c01 = MADD(x0, b1, c01);
    c10 = MADD(x1, b0, c10);
    c11 = MADD(x1, b1, c11);
    c20 = MADD(x2, b0, c20);
    c21 = MADD(x2, b1, c21);
    c30 = MADD(x3, b0, c30);
    c31 = MADD(x3, b1, c31);
    a += sak;
    a1 += sak;
    a2 += sak;
    a3 += sak;
    b += ldb;
  }
  if (last) {
    const float *b4 = bias ? bias + 4 : 0;
    c00 = finish(c00, bias, act), c01 = finish(c01, b4, act), c10 = finish(c10, bias, act), c11 = finish(c11, b4, act);
    c20 = finish(c20, bias, act), c21 = finish(c21, b4, act), c30 = finish(c30, bias, act), c31 = finish(c31, b4, act);
  }
  wasm_v128_store(c, c00);
  wasm_v128_store(c + 4, c01);
  wasm_v128_store(c + ldc, c10);
  wasm_v128_store(c + ldc + 4, c11);
  wasm_v128_store(c + 2 * ldc, c20);
  wasm_v128_store(c + 2 * ldc + 4, c21);
  wasm_v128_store(c + 3 * ldc, c30);
  wasm_v128_store(c + 3 * ldc + 4, c31);
}

// one 4-row strip of c, columns 0..n8: the flags are constant per block, the tile is inlined once per case
static inline __attribute__((always_inline)) void strip4(const float *ai, long sam, long sak, const float *b0, long ldb, float *ci, long n,
                                                         int n8, int kc, int first, int last, const float *bias, int act) {
  for (int j = 0; j < n8; j += 8) {
    const float *bj = bias ? bias + j : 0;
    if (first && last) tile4x8(ai, sam, sak, b0 + j, ldb, ci + j, n, kc, 1, 1, bj, act);
    else if (first) tile4x8(ai, sam, sak, b0 + j, ldb, ci + j, n, kc, 1, 0, 0, 0);
    else if (last) tile4x8(ai, sam, sak, b0 + j, ldb, ci + j, n, kc, 0, 1, bj, act);
    else tile4x8(ai, sam, sak, b0 + j, ldb, ci + j, n, kc, 0, 0, 0, 0);
  }
}

// c = act(A @ b + bias): bias (n floats) may be null; act 0 none, 1 relu, 2 relu6. The bias is
// added after the whole sum: the same floats as the product and then + bias, as a separate pass did.
void gemm_bias_act(const float *a, int sam, int sak, const float *b, int ldb, float *c, int m, int n, int k, const float *bias,
                   int act) {
  int m4 = m - m % 4, n8 = n - n % 8;
  if (k == 0)
    for (long i = 0; i < (long)m * n; i++) c[i] = 0.0f;
  // blocks of rows whose c (~256 KB) stays in cache through every k block; each k block of b is
  // read from cache by every 4-row strip of the block
  int mc = (65536 / (n > 0 ? n : 1)) & ~3;
  if (mc < 4) mc = 4;
  for (int i0 = 0; i0 < m4; i0 += mc) {
    int i1 = i0 + mc < m4 ? i0 + mc : m4;
    int kb = sam == 1 ? KC_T : KC;
    for (int k0 = 0; k0 < k; k0 += kb) {
      int kc = k - k0 < kb ? k - k0 : kb;
      int first = k0 == 0, last = k0 + kc == k;
      const float *b0 = b + (long)k0 * ldb;
      for (int i = i0; i < i1; i += 4) {
        const float *ai = a + (long)i * sam + (long)k0 * sak;
        float *ci = c + (long)i * n;
        // sam 1 as a constant: the tile's one-load path is inlined apart
        if (sam == 1) strip4(ai, 1, sak, b0, ldb, ci, n, n8, kc, first, last, bias, act);
        else strip4(ai, sam, sak, b0, ldb, ci, n, n8, kc, first, last, bias, act);
      }
    }
  }
  // edges, scalar: leftover rows (every column), leftover columns of the tiled rows
  for (int i = 0; i < m; i++)
    for (int j = i < m4 ? n8 : 0; j < n; j++) {
      float s = 0.0f;
      for (int q = 0; q < k; q++) s += a[(long)i * sam + (long)q * sak] * b[(long)q * ldb + j];
      if (bias) s += bias[j];
      if (act) s = s < 0.0f ? 0.0f : s;
      if (act == 2) s = s > 6.0f ? 6.0f : s;
      c[(long)i * n + j] = s;
    }
}

void gemm_strided(const float *a, int sam, int sak, const float *b, int ldb, float *c, int m, int n, int k) {
  gemm_bias_act(a, sam, sak, b, ldb, c, m, n, k, 0, 0);
}

// One AdamW step of n floats (train/adamw.ts), written to new arrays: tfjs's op sequence there in
// one pass, with the same float32 operations in the same order (multiply then add, never fused),
// so the very same bits. m = m*b1 + g*omb1; v = v*b2 + (g*g)*omb2; u = (m/c1) / (sqrt(v/c2) + eps);
// w = (decay ? w*keep : w) - u*rate.
#pragma clang fp contract(off)
void adamw_step(const float *w, const float *m, const float *v, const float *g, float *wo, float *mo, float *vo, int n, float b1,
                float omb1, float b2, float omb2, float c1, float c2, float eps, float rate, float keep, int decay) {
  const v128_t B1 = wasm_f32x4_splat(b1), O1 = wasm_f32x4_splat(omb1), B2 = wasm_f32x4_splat(b2), O2 = wasm_f32x4_splat(omb2);
  const v128_t C1 = wasm_f32x4_splat(c1), C2 = wasm_f32x4_splat(c2), E = wasm_f32x4_splat(eps), R = wasm_f32x4_splat(rate);
  const v128_t K = wasm_f32x4_splat(keep);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gv = wasm_v128_load(g + i);
    v128_t mv = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), B1), wasm_f32x4_mul(gv, O1));
    v128_t vv = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), B2), wasm_f32x4_mul(wasm_f32x4_mul(gv, gv), O2));
    v128_t u = wasm_f32x4_div(wasm_f32x4_div(mv, C1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vv, C2)), E));
    v128_t wv = wasm_v128_load(w + i);
    if (decay) wv = wasm_f32x4_mul(wv, K);
    wasm_v128_store(mo + i, mv);
    wasm_v128_store(vo + i, vv);
    wasm_v128_store(wo + i, wasm_f32x4_sub(wv, wasm_f32x4_mul(u, R)));
  }
  for (; i < n; i++) {
    float gi = g[i];
    float mi = m[i] * b1 + gi * omb1;
    float vi = v[i] * b2 + (gi * gi) * omb2;
    float u = (mi / c1) / (__builtin_sqrtf(vi / c2) + eps);
    float wi = decay ? w[i] * keep : w[i];
    mo[i] = mi;
    vo[i] = vi;
    wo[i] = wi - u * rate;
  }
}
