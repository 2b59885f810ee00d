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

// dFilter of a depthwise convolution with channel multiplier 1, NHWC:
//   df[i][j][ch] = sum over (b, oh, ow) of x[b][oh*sh + i*dh - top][ow*sw + j*dw - left][ch] * dy[b][oh][ow][ch]
// (taps outside x are zero padding). df: kh*kw*c floats, overwritten.
void depthwise_filter_grad(const float *x, const float *dy, float *df, int n, int h, int w, int c, int ho, int wo, int kh,
                           int kw, int sh, int sw, int dh, int dw, int top, int left) {
  for (int k = 0; k < kh * kw * c; k++) df[k] = 0.0f;
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
            const float *xv = x + (((long)b * h + ih) * w + iw) * c;
            float *acc = df + (i * kw + j) * c;
            int k = 0;
            for (; k + 4 <= c; k += 4)
              wasm_v128_store(acc + k, wasm_f32x4_add(wasm_v128_load(acc + k), wasm_f32x4_mul(wasm_v128_load(xv + k), wasm_v128_load(d + k))));
            for (; k < c; k++) acc[k] += xv[k] * d[k];
          }
        }
      }
}

// dx of a depthwise convolution with channel multiplier 1, NHWC (f: kh*kw*c):
//   dx[b][oh*sh + i*dh - top][ow*sw + j*dw - left][ch] += dy[b][oh][ow][ch] * f[i][j][ch]
// dx: n*h*w*c floats, overwritten.
void depthwise_input_grad(const float *dy, const float *f, float *dx, int n, int h, int w, int c, int ho, int wo, int kh,
                          int kw, int sh, int sw, int dh, int dw, int top, int left) {
  long total = (long)n * h * w * c;
  for (long k = 0; k < total; k++) dx[k] = 0.0f;
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
            float *o = dx + (((long)b * h + ih) * w + iw) * c;
            const float *fv = f + (i * kw + j) * c;
            int k = 0;
            for (; k + 4 <= c; k += 4)
              wasm_v128_store(o + k, wasm_f32x4_add(wasm_v128_load(o + k), wasm_f32x4_mul(wasm_v128_load(d + k), wasm_v128_load(fv + k))));
            for (; k < c; k++) o[k] += d[k] * fv[k];
          }
        }
      }
}
