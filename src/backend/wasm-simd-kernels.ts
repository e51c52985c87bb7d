import * as tf from '@tensorflow/tfjs';
import { hostMemoryBackend } from './host-memory.js';

/**
 * Two element-wise kernels the wasm backend does not have, as a tiny hand-assembled WebAssembly module
 * (128-bit SIMD) that imports the tfjs wasm backend's own memory, so it reads and writes tensors where
 * they live, without copies:
 *
 * - `adam`: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², out ← w − (m·lr)/(√v + ε), in one pass;
 * - `ema`:  out ← a·decay + p·c.
 *
 * As tfjs kernels the same updates cost 12 and 3 kernel launches per parameter tensor, each with an
 * allocation and a full pass over memory; as a JavaScript loop they run without SIMD. Both kernels compute
 * in float32 with the same operation order in the vector body and the scalar tail, so every element gets
 * the same rounding wherever it falls, and a run is bit-reproducible.
 *
 * Arguments are byte offsets into the wasm heap (see `heapOffset`) and element counts.
 */
export interface WasmSimdKernels {
  adam(g: number, w: number, m: number, v: number, out: number, n: number, b1: number, c1: number, b2: number, c2: number, lr: number, eps: number): void;
  ema(a: number, p: number, out: number, n: number, decay: number, c: number): void;
}

// --- a minimal assembler for the two functions -------------------------------------------------------
const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const str = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));

const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (k: number) => [0x41, ...sleb(k)],
  i32add: [0x6a],
  i32and: [0x71],
  i32shl: [0x74],
  i32geu: [0x4f],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  end: [0x0b],
  f32load: [0x2a, 2, 0],
  f32store: [0x38, 2, 0],
  f32add: [0x92],
  f32sub: [0x93],
  f32mul: [0x94],
  f32div: [0x95],
  f32sqrt: [0x91],
  v128load: [0xfd, 0x00, 4, 0],
  v128store: [0xfd, 0x0b, 4, 0],
  splat: [0xfd, 0x13],
  vsqrt: [0xfd, 0xe3, 0x01],
  vadd: [0xfd, 0xe4, 0x01],
  vsub: [0xfd, 0xe5, 0x01],
  vmul: [0xfd, 0xe6, 0x01],
  vdiv: [0xfd, 0xe7, 0x01],
};

/**
 * Loop skeleton: `i` (a byte offset, local `iLocal`) runs from its current value to `endLocal` in steps
 * of `stride` bytes, running `body` each time.
 */
const loopTo = (iLocal: number, endLocal: number, stride: number, body: number[]): number[] => [
  ...op.block,
  ...op.loop,
  ...op.get(iLocal), ...op.get(endLocal), ...op.i32geu, ...op.brIf(1),
  ...body,
  ...op.get(iLocal), ...op.i32(stride), ...op.i32add, ...op.set(iLocal),
  ...op.br(0),
  ...op.end,
  ...op.end,
];
/** address = base + i */
const addr = (base: number, i: number) => [...op.get(base), ...op.get(i), ...op.i32add];

function adamBody(): number[] {
  // params: 0 g, 1 w, 2 m, 3 v, 4 out, 5 n, 6 b1, 7 c1, 8 b2, 9 c2, 10 lr, 11 eps
  // locals: 12 i, 13 end4, 14 endN (i32); 15..20 splats b1 c1 b2 c2 lr eps, 21 g, 22 mv, 23 vv (v128);
  //         24 gs, 25 ms, 26 vs (f32)
  const [G, W, M, V, OUT, N] = [0, 1, 2, 3, 4, 5];
  const [I, END4, ENDN] = [12, 13, 14];
  const S = (k: number) => 15 + k; // splat of param 6 + k
  const [VG, VM, VV] = [21, 22, 23];
  const [SG, SM, SV] = [24, 25, 26];
  const locals = vec([
    [3, I32],
    [9, V128],
    [3, F32],
  ]);
  const code: number[] = [
    ...op.get(N), ...op.i32(-4), ...op.i32and, ...op.i32(2), ...op.i32shl, ...op.set(END4),
    ...op.get(N), ...op.i32(2), ...op.i32shl, ...op.set(ENDN),
    ...[0, 1, 2, 3, 4, 5].flatMap((k) => [...op.get(6 + k), ...op.splat, ...op.set(S(k))]),
    ...loopTo(I, END4, 16, [
      ...addr(G, I), ...op.v128load, ...op.set(VG),
      // m = m·b1 + g·c1
      ...addr(M, I),
      ...addr(M, I), ...op.v128load, ...op.get(S(0)), ...op.vmul, ...op.get(VG), ...op.get(S(1)), ...op.vmul, ...op.vadd,
      ...op.tee(VM), ...op.v128store,
      // v = v·b2 + (g·g)·c2
      ...addr(V, I),
      ...addr(V, I), ...op.v128load, ...op.get(S(2)), ...op.vmul, ...op.get(VG), ...op.get(VG), ...op.vmul, ...op.get(S(3)), ...op.vmul, ...op.vadd,
      ...op.tee(VV), ...op.v128store,
      // out = w − (m·lr) / (√v + eps)
      ...addr(OUT, I),
      ...addr(W, I), ...op.v128load,
      ...op.get(VM), ...op.get(S(4)), ...op.vmul,
      ...op.get(VV), ...op.vsqrt, ...op.get(S(5)), ...op.vadd,
      ...op.vdiv, ...op.vsub, ...op.v128store,
    ]),
    ...loopTo(I, ENDN, 4, [
      ...addr(G, I), ...op.f32load, ...op.set(SG),
      ...addr(M, I),
      ...addr(M, I), ...op.f32load, ...op.get(6), ...op.f32mul, ...op.get(SG), ...op.get(7), ...op.f32mul, ...op.f32add,
      ...op.tee(SM), ...op.f32store,
      ...addr(V, I),
      ...addr(V, I), ...op.f32load, ...op.get(8), ...op.f32mul, ...op.get(SG), ...op.get(SG), ...op.f32mul, ...op.get(9), ...op.f32mul, ...op.f32add,
      ...op.tee(SV), ...op.f32store,
      ...addr(OUT, I),
      ...addr(W, I), ...op.f32load,
      ...op.get(SM), ...op.get(10), ...op.f32mul,
      ...op.get(SV), ...op.f32sqrt, ...op.get(11), ...op.f32add,
      ...op.f32div, ...op.f32sub, ...op.f32store,
    ]),
    ...op.end,
  ];
  return [...locals, ...code];
}

function emaBody(): number[] {
  // params: 0 a, 1 p, 2 out, 3 n, 4 decay, 5 c; locals: 6 i, 7 end4, 8 endN (i32), 9 decay×4, 10 c×4 (v128)
  const [A, P, OUT, N, DEC, C] = [0, 1, 2, 3, 4, 5];
  const [I, END4, ENDN, VD, VC] = [6, 7, 8, 9, 10];
  const locals = vec([
    [3, I32],
    [2, V128],
  ]);
  const code: number[] = [
    ...op.get(N), ...op.i32(-4), ...op.i32and, ...op.i32(2), ...op.i32shl, ...op.set(END4),
    ...op.get(N), ...op.i32(2), ...op.i32shl, ...op.set(ENDN),
    ...op.get(DEC), ...op.splat, ...op.set(VD),
    ...op.get(C), ...op.splat, ...op.set(VC),
    ...loopTo(I, END4, 16, [
      ...addr(OUT, I),
      ...addr(A, I), ...op.v128load, ...op.get(VD), ...op.vmul,
      ...addr(P, I), ...op.v128load, ...op.get(VC), ...op.vmul,
      ...op.vadd, ...op.v128store,
    ]),
    ...loopTo(I, ENDN, 4, [
      ...addr(OUT, I),
      ...addr(A, I), ...op.f32load, ...op.get(DEC), ...op.f32mul,
      ...addr(P, I), ...op.f32load, ...op.get(C), ...op.f32mul,
      ...op.f32add, ...op.f32store,
    ]),
    ...op.end,
  ];
  return [...locals, ...code];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const func = (params: number[]) => [0x60, ...vec(params.map((p) => [p])), 0x00];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([func([I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32]), func([I32, I32, I32, I32, F32, F32])])),
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, 0x00]])),
    ...section(3, vec([[0], [1]])),
    ...section(7, vec([[...str('adam'), 0x00, 0], [...str('ema'), 0x00, 1]])),
    ...section(10, vec([adamBody(), emaBody()].map((b) => [...uleb(b.length), ...b]))),
  ];
  return new Uint8Array(bytes);
}

interface WasmBackendInternals {
  wasm: { asm?: { memory?: WebAssembly.Memory } };
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

let cached: { memory: WebAssembly.Memory; kernels: WasmSimdKernels } | null | undefined;

/**
 * The kernels bound to the active wasm backend's memory, or undefined when the backend is not wasm, its
 * memory cannot be reached (or is shared, as in the threaded build), or this runtime lacks wasm SIMD.
 */
export function wasmSimdKernels(): WasmSimdKernels | undefined {
  if (tf.getBackend() !== 'wasm' || !hostMemoryBackend()) return undefined;
  const memory = (tf.backend() as unknown as WasmBackendInternals).wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory) || (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer)) return undefined;
  if (cached === null) return undefined;
  if (cached?.memory === memory) return cached.kernels;
  try {
    const bytes = moduleBytes();
    if (!WebAssembly.validate(bytes)) {
      cached = null;
      return undefined;
    }
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    cached = { memory, kernels: instance.exports as unknown as WasmSimdKernels };
    return cached.kernels;
  } catch {
    cached = null;
    return undefined;
  }
}

/** Byte offset of a wasm tensor's storage in the heap (valid until that tensor is disposed). */
export function heapOffset(t: tf.TensorInfo): number {
  return (tf.backend() as unknown as WasmBackendInternals).typedArrayFromHeap(t).byteOffset;
}
