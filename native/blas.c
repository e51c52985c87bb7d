/*
 * synthdiff's optional native kernels, called on float32 views of the tfjs wasm heap so tensors are never
 * copied out of wasm memory:
 * - sgemm: OpenBLAS's cblas_sgemm (AVX2/FMA or AVX-512 kernels chosen at run time). WebAssembly SIMD has
 *   128-bit vectors and no fused multiply-add, which caps XNNPACK there at about a fifth of this, and the
 *   GEMMs are ~90% of a training step;
 * - sincos: the noise-level embedding of a training batch.
 * Built by scripts/build-native.mjs when a C compiler, Node's headers and OpenBLAS are present; without it
 * synthdiff runs on XNNPACK and tfjs's kernels alone (src/backend/native-blas.ts).
 */
#include <node_api.h>
#include <cblas.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "synthdiff-blas: bad argument"); return NULL; } } while (0)

static float *f32(napi_env env, napi_value v, size_t *len) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value buf;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &buf, &off) != napi_ok || type != napi_float32_array) return NULL;
  if (len) *len = length;
  return (float *)data;
}

/* sgemm(transA, transB, M, N, K, a, b, c, bias | null, relu): c = op(a)·op(b) (+ bias per column) (relu). */
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 10) { napi_throw_error(env, NULL, "synthdiff-blas: sgemm takes 10 arguments"); return NULL; }
  bool ta, tb, relu;
  int32_t M, N, K;
  CHECK(napi_get_value_bool(env, argv[0], &ta));
  CHECK(napi_get_value_bool(env, argv[1], &tb));
  CHECK(napi_get_value_int32(env, argv[2], &M));
  CHECK(napi_get_value_int32(env, argv[3], &N));
  CHECK(napi_get_value_int32(env, argv[4], &K));
  size_t la, lb, lc, lbias = 0;
  float *a = f32(env, argv[5], &la), *b = f32(env, argv[6], &lb), *c = f32(env, argv[7], &lc);
  napi_valuetype bt;
  CHECK(napi_typeof(env, argv[8], &bt));
  float *bias = bt == napi_null ? NULL : f32(env, argv[8], &lbias);
  CHECK(napi_get_value_bool(env, argv[9], &relu));
  if (!a || !b || !c || (bt != napi_null && !bias) || M < 0 || N < 0 || K < 0 ||
      la < (size_t)M * K || lb < (size_t)K * N || lc < (size_t)M * N || (bias && lbias < (size_t)N)) {
    napi_throw_error(env, NULL, "synthdiff-blas: sgemm operand sizes do not match M, N, K");
    return NULL;
  }
  if (M == 0 || N == 0) return NULL;
  if (bias) for (int32_t i = 0; i < M; i++) memcpy(c + (size_t)i * N, bias, sizeof(float) * N);
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.0f,
              a, ta ? M : K, b, tb ? K : N, bias ? 1.0f : 0.0f, c, N);
  if (relu) {
    /* A select, not a branch: built -O3 (scripts/build-native.mjs) it vectorizes; as a branch, the random
       signs of a 4,096 × 256 layer cost 4.6 ms of mispredictions against 2.2 ms for its product. */
    size_t n = (size_t)M * N;
    for (size_t i = 0; i < n; i++) c[i] = c[i] > 0.0f ? c[i] : 0.0f;
  }
  return NULL;
}

/* sincos(c, f, out): out[b, k] = sin(c[b]·f[k]), out[b, H + k] = cos(c[b]·f[k]) for B rows and H
   frequencies: the noise-level embedding of a training batch. glibc's sinf/cosf take ~0.5 ms for 4,096 × 32
   of each, where tfjs's scalar wasm Sin and Cos took 1.7 ms apiece. The angle is rounded to float32 first,
   as tfjs computes it. */
static napi_value sincos(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  size_t B, H, n;
  float *c = argc == 3 ? f32(env, argv[0], &B) : NULL, *f = argc == 3 ? f32(env, argv[1], &H) : NULL, *out = argc == 3 ? f32(env, argv[2], &n) : NULL;
  if (!c || !f || !out || n < 2 * B * H) {
    napi_throw_error(env, NULL, "synthdiff-blas: sincos takes float32 c [B], f [H] and out [B·2H]");
    return NULL;
  }
  for (size_t b = 0; b < B; b++) {
    float *o = out + b * 2 * H;
    for (size_t k = 0; k < H; k++) {
      float a = c[b] * f[k];
      o[k] = sinf(a);
      o[H + k] = cosf(a);
    }
  }
  return NULL;
}

static napi_value setThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &n));
  openblas_set_num_threads(n < 1 ? 1 : n);
  return NULL;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value s;
  char text[256];
  snprintf(text, sizeof text, "%s (%s kernels)", openblas_get_config(), openblas_get_corename());
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &s));
  return s;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
    {"sincos", NULL, sincos, NULL, NULL, NULL, napi_default, NULL},
    {"setThreads", NULL, setThreads, NULL, NULL, NULL, napi_default, NULL},
    {"config", NULL, config, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
