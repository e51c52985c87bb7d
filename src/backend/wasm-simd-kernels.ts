import * as tf from '@tensorflow/tfjs-core';
import { hostTensor } from './host-memory.js';

/**
 * Two element-wise kernels the wasm backend does not have, as a tiny hand-assembled WebAssembly module
 * (128-bit SIMD) that imports the tfjs wasm backend's own memory, so it reads and writes tensors where
 * they live, without copies:
 *
 * - `adam`: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², out ← w − (m·lr)/(√v + ε), in one pass;
 * - `ema`:  out ← a·decay + p·c;
 * - `transpose4`, `colsum`, `relugrad`: the backward pass's transposes (tfjs's wasm Transpose kernel is
 *   scalar and ~10× slower), bias gradients (a column Sum there transposes first) and relu masks.
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
  /** out[j·R + i] = x[i·C + j] for i < R & ~3, j < C & ~3 (the caller does the ragged edges). */
  transpose4(x: number, out: number, R: number, C: number): void;
  /** out[j] = Σ_i x[i·C + j] (rows summed in order). */
  colsum(x: number, out: number, R: number, C: number): void;
  /** out = y > 0 ? d : 0 (the gradient through a relu with output y). */
  relugrad(d: number, y: number, out: number, n: number): void;
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
  vgt: [0xfd, 0x44],
  vand: [0xfd, 0x4e],
  f32gt: [0x5e],
  f32zero: [0x43, 0, 0, 0, 0],
  select: [0x1b],
  i32mul: [0x6c],
  i32ltu: [0x49],
  /** i8x16.shuffle picking float lanes (0–3 from the first operand, 4–7 from the second). */
  shuffle: (lanes: number[]) => [0xfd, 0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])],
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

function transposeBody(): number[] {
  // params: 0 x, 1 out, 2 R, 3 C; locals: 4 sRow, 5 dCol, 6 dEnd, 7 s, 8 d, 9 sEnd, 10 CB, 11 RB (i32);
  //         12..15 r0..r3, 16..19 t0..t3 (v128)
  const [X, OUT, R, C] = [0, 1, 2, 3];
  const [SROW, DCOL, DEND, S, D, SEND, CB, RB] = [4, 5, 6, 7, 8, 9, 10, 11];
  const r = (k: number) => 12 + k, t = (k: number) => 16 + k;
  const locals = vec([
    [8, I32],
    [8, V128],
  ]);
  const load = (k: number) => [...op.get(S), ...(k ? [...op.get(CB), ...op.i32(k), ...op.i32mul, ...op.i32add] : []), ...op.v128load, ...op.set(r(k))];
  const store = (k: number, a: number, b: number, lanes: number[]) => [
    ...op.get(D), ...(k ? [...op.get(RB), ...op.i32(k), ...op.i32mul, ...op.i32add] : []),
    ...op.get(a), ...op.get(b), ...op.shuffle(lanes), ...op.v128store,
  ];
  const code: number[] = [
    ...op.get(C), ...op.i32(2), ...op.i32shl, ...op.set(CB),
    ...op.get(R), ...op.i32(2), ...op.i32shl, ...op.set(RB),
    ...op.get(X), ...op.set(SROW),
    ...op.get(OUT), ...op.set(DCOL),
    ...op.get(OUT), ...op.get(R), ...op.i32(-4), ...op.i32and, ...op.i32(2), ...op.i32shl, ...op.i32add, ...op.set(DEND),
    ...op.block, ...op.loop,
    ...op.get(DCOL), ...op.get(DEND), ...op.i32geu, ...op.brIf(1),
    ...op.get(SROW), ...op.set(S),
    ...op.get(DCOL), ...op.set(D),
    ...op.get(SROW), ...op.get(C), ...op.i32(-4), ...op.i32and, ...op.i32(2), ...op.i32shl, ...op.i32add, ...op.set(SEND),
    ...op.block, ...op.loop,
    ...op.get(S), ...op.get(SEND), ...op.i32geu, ...op.brIf(1),
    ...load(0), ...load(1), ...load(2), ...load(3),
    ...op.get(r(0)), ...op.get(r(1)), ...op.shuffle([0, 4, 1, 5]), ...op.set(t(0)),
    ...op.get(r(0)), ...op.get(r(1)), ...op.shuffle([2, 6, 3, 7]), ...op.set(t(1)),
    ...op.get(r(2)), ...op.get(r(3)), ...op.shuffle([0, 4, 1, 5]), ...op.set(t(2)),
    ...op.get(r(2)), ...op.get(r(3)), ...op.shuffle([2, 6, 3, 7]), ...op.set(t(3)),
    ...store(0, t(0), t(2), [0, 1, 4, 5]),
    ...store(1, t(0), t(2), [2, 3, 6, 7]),
    ...store(2, t(1), t(3), [0, 1, 4, 5]),
    ...store(3, t(1), t(3), [2, 3, 6, 7]),
    ...op.get(S), ...op.i32(16), ...op.i32add, ...op.set(S),
    ...op.get(D), ...op.get(RB), ...op.i32(4), ...op.i32mul, ...op.i32add, ...op.set(D),
    ...op.br(0), ...op.end, ...op.end,
    ...op.get(SROW), ...op.get(CB), ...op.i32(4), ...op.i32mul, ...op.i32add, ...op.set(SROW),
    ...op.get(DCOL), ...op.i32(16), ...op.i32add, ...op.set(DCOL),
    ...op.br(0), ...op.end, ...op.end,
    ...op.end,
  ];
  return [...locals, ...code];
}

function colsumBody(): number[] {
  // params: 0 x, 1 out, 2 R, 3 C; locals: 4 j, 5 end4, 6 endC, 7 row, 8 rowEnd (i32), 9 zero (v128)
  const [X, OUT, R, C] = [0, 1, 2, 3];
  const [J, END4, ENDC, ROW, ROWEND, Z] = [4, 5, 6, 7, 8, 9];
  const locals = vec([
    [5, I32],
    [1, V128],
  ]);
  const code: number[] = [
    ...op.get(C), ...op.i32(-4), ...op.i32and, ...op.i32(2), ...op.i32shl, ...op.set(END4),
    ...op.get(C), ...op.i32(2), ...op.i32shl, ...op.set(ENDC),
    // out = 0
    ...op.f32zero, ...op.splat, ...op.set(Z),
    ...op.i32(0), ...op.set(J),
    ...loopTo(J, END4, 16, [...addr(OUT, J), ...op.get(Z), ...op.v128store]),
    ...loopTo(J, ENDC, 4, [...addr(OUT, J), ...op.f32zero, ...op.f32store]),
    // for each row: out += row
    ...op.get(X), ...op.set(ROW),
    ...op.get(X), ...op.get(R), ...op.get(ENDC), ...op.i32mul, ...op.i32add, ...op.set(ROWEND),
    ...op.block, ...op.loop,
    ...op.get(ROW), ...op.get(ROWEND), ...op.i32geu, ...op.brIf(1),
    ...op.i32(0), ...op.set(J),
    ...loopTo(J, END4, 16, [...addr(OUT, J), ...addr(OUT, J), ...op.v128load, ...addr(ROW, J), ...op.v128load, ...op.vadd, ...op.v128store]),
    ...loopTo(J, ENDC, 4, [...addr(OUT, J), ...addr(OUT, J), ...op.f32load, ...addr(ROW, J), ...op.f32load, ...op.f32add, ...op.f32store]),
    ...op.get(ROW), ...op.get(ENDC), ...op.i32add, ...op.set(ROW),
    ...op.br(0), ...op.end, ...op.end,
    ...op.end,
  ];
  return [...locals, ...code];
}

function relugradBody(): number[] {
  // params: 0 d, 1 y, 2 out, 3 n; locals: 4 i, 5 end4, 6 endN (i32), 7 zero (v128)
  const [DD, Y, OUT, N] = [0, 1, 2, 3];
  const [I, END4, ENDN, Z] = [4, 5, 6, 7];
  const locals = vec([
    [3, I32],
    [1, V128],
  ]);
  const code: number[] = [
    ...op.get(N), ...op.i32(-4), ...op.i32and, ...op.i32(2), ...op.i32shl, ...op.set(END4),
    ...op.get(N), ...op.i32(2), ...op.i32shl, ...op.set(ENDN),
    ...op.f32zero, ...op.splat, ...op.set(Z),
    ...loopTo(I, END4, 16, [
      ...addr(OUT, I),
      ...addr(DD, I), ...op.v128load,
      ...addr(Y, I), ...op.v128load, ...op.get(Z), ...op.vgt,
      ...op.vand, ...op.v128store,
    ]),
    ...loopTo(I, ENDN, 4, [
      ...addr(OUT, I),
      ...addr(DD, I), ...op.f32load, ...op.f32zero,
      ...addr(Y, I), ...op.f32load, ...op.f32zero, ...op.f32gt,
      ...op.select, ...op.f32store,
    ]),
    ...op.end,
  ];
  return [...locals, ...code];
}

/**
 * The module's bytes. `shared`: import the heap as a shared memory (the threaded wasm build), whose
 * import must declare a maximum: 65,536 pages (4 GiB), the most a 32-bit heap can have.
 */
export function moduleBytes(shared = false): Uint8Array<ArrayBuffer> {
  const func = (params: number[]) => [0x60, ...vec(params.map((p) => [p])), 0x00];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([func([I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32]), func([I32, I32, I32, I32, F32, F32]), func([I32, I32, I32, I32])])),
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, ...(shared ? [0x03, 0x00, ...uleb(65536)] : [0x00, 0x00])]])),
    ...section(3, vec([[0], [1], [2], [2], [2]])),
    ...section(7, vec(['adam', 'ema', 'transpose4', 'colsum', 'relugrad'].map((name, i) => [...str(name), 0x00, i]))),
    ...section(10, vec([adamBody(), emaBody(), transposeBody(), colsumBody(), relugradBody()].map((b) => [...uleb(b.length), ...b]))),
  ];
  return new Uint8Array(bytes);
}

interface WasmBackendInternals {
  wasm: { asm?: { memory?: WebAssembly.Memory }; wasmMemory?: WebAssembly.Memory };
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

const KERNEL_NAMES = ['adam', 'ema', 'transpose4', 'colsum', 'relugrad'] as const;
type KernelName = (typeof KERNEL_NAMES)[number];

/**
 * Calls of each fast kernel since start, and of the slow paths they replace (`slowTranspose`: tfjs's
 * scalar Transpose kernel inside a transposed matmul). Tests read these to fail when a fast path silently
 * falls back.
 */
export const fastPathCalls: Record<KernelName | 'chunkedMatMul' | 'slowTranspose', number> = {
  adam: 0,
  ema: 0,
  transpose4: 0,
  colsum: 0,
  relugrad: 0,
  chunkedMatMul: 0,
  slowTranspose: 0,
};

let cached: { memory: WebAssembly.Memory; kernels: WasmSimdKernels } | null | undefined;

/** The active wasm backend's heap (exported by the single-threaded build, imported by the threaded one). */
export function wasmHeap(): WebAssembly.Memory | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const w = (tf.backend() as unknown as WasmBackendInternals).wasm;
  const memory = w?.asm?.memory ?? w?.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/**
 * The kernels bound to the active wasm backend's memory (plain or shared), or undefined when the backend
 * is not wasm, its memory cannot be reached, or this runtime lacks wasm SIMD.
 */
export function wasmSimdKernels(): WasmSimdKernels | undefined {
  const memory = wasmHeap();
  if (!memory) return undefined;
  if (cached === null) return undefined;
  if (cached?.memory === memory) return cached.kernels;
  try {
    const bytes = moduleBytes(typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer);
    if (!WebAssembly.validate(bytes)) {
      cached = null;
      return undefined;
    }
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    const raw = instance.exports as unknown as Record<KernelName, (...args: number[]) => void>;
    // Each export counted (a JavaScript call per kernel launch, tens per training step).
    const counted = Object.fromEntries(
      KERNEL_NAMES.map((name) => [
        name,
        (...args: number[]) => {
          fastPathCalls[name]++;
          raw[name](...args);
        },
      ]),
    );
    cached = { memory, kernels: counted as unknown as WasmSimdKernels };
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

/** Column sums of a [R, C] matrix → [C] (the bias gradient of a dense layer). */
export function sumRows(x: tf.Tensor2D): tf.Tensor1D {
  const k = wasmSimdKernels();
  if (!k) return tf.sum(x, 0);
  const [R, C] = x.shape;
  return hostTensor([C], (out) => k.colsum(heapOffset(x), out.byteOffset, R, C)) as tf.Tensor1D;
}

/** d where y > 0, else 0: the gradient `d` of a relu's output `y` taken back through the relu. */
export function reluBackward<T extends tf.Tensor>(d: T, y: T): T {
  const k = wasmSimdKernels();
  if (!k) return tf.mul(d, tf.step(y));
  return hostTensor(d.shape, (out) => k.relugrad(heapOffset(d), heapOffset(y), out.byteOffset, d.size)) as T;
}

interface WasmKernelBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  disposeData(dataId: object): boolean;
  wasm: { HEAPU8: Uint8Array };
}

/** out (a new [C, R] matrix in the heap) ← the transpose of the R × C row-major matrix at byte offset `src`. */
function transposeAt(k: WasmSimdKernels, b: WasmKernelBackend, src: number, R: number, C: number, outShape: number[]): tf.TensorInfo {
  const out = b.makeOutput(outShape, 'float32');
  const dst = b.typedArrayFromHeap(out);
  k.transpose4(src, dst.byteOffset, R, C);
  const R4 = R & ~3, C4 = C & ~3;
  if (R4 < R || C4 < C) {
    // The ragged strips (last R % 4 rows, last C % 4 columns) in plain code.
    const heap = new Float32Array(wasmHeap()!.buffer, src, R * C);
    for (let i = 0; i < R; i++) for (let j = i < R4 ? C4 : 0; j < C; j++) dst[j * R + i] = heap[i * C + j]!;
  }
  return out;
}

/** [R, C] (or [1, R, C]) when `shape` is a matrix the SIMD kernels handle, else undefined. */
function matrixDims(x: tf.TensorInfo): [number, number] | undefined {
  const shape = x.shape;
  if (x.dtype !== 'float32' || !(shape.length === 2 || (shape.length === 3 && shape[0] === 1))) return undefined;
  return [shape[shape.length - 2]!, shape[shape.length - 1]!];
}

/**
 * The transpose of a float32 matrix (rank 2, or rank 3 with a leading 1) as a new tensor on the wasm
 * backend `backend`, or undefined where the SIMD kernels are unavailable or the shape is another one.
 * Kernel-level (TensorInfo in and out), for use inside other kernels.
 */
export function transposeMatrix(x: tf.TensorInfo, backend: unknown): tf.TensorInfo | undefined {
  const k = wasmSimdKernels();
  const dims = matrixDims(x);
  if (!k || !dims || tf.backend() !== backend) return undefined;
  const [R, C] = dims;
  const b = backend as WasmKernelBackend;
  return transposeAt(k, b, b.typedArrayFromHeap(x).byteOffset, R, C, x.shape.length === 2 ? [C, R] : [1, C, R]);
}

/**
 * `matMulTransposedAChunked` applies above `above` rows of contraction and sums partial products over
 * `rows` rows each (settings, for benchmarks). Measured on 2-core Xeon, M = N = 256: unchunked costs
 * ~5.9 µs per contraction row up to K = 32,768 and ~8.5 µs at 65,536; 1,024-row chunks keep ~6 µs
 * there but cost ~15% more below 32,768.
 */
export const transposedAChunk = { above: 32768, rows: 1024 };

/**
 * aᵀ·b for a [K, M] and b [K, N] (rank 2, or rank 3 with a leading 1) with a long contraction K (a
 * weight gradient xᵀ·dy over a large batch), as the sum of partial products over K-slices of
 * `transposedAChunk.rows` rows. XNNPACK's fully-connected kernel does not block over K, and beyond ~32k
 * rows the product runs ~40% slower per FLOP. Slices are taken by pointer (tfjs-wasm's Slice kernel takes
 * ~40 ms for a 512-row slice of a 65,536-row matrix) and the partial products are summed in order, so the
 * result is deterministic. `matMul` is the plain (untransposed) BatchMatMul kernel. Undefined where this
 * path does not apply.
 */
export function matMulTransposedAChunked(
  a: tf.TensorInfo,
  bIn: tf.TensorInfo,
  backend: unknown,
  matMul: (a: tf.TensorInfo, b: tf.TensorInfo) => tf.TensorInfo,
): tf.TensorInfo | undefined {
  const k = wasmSimdKernels();
  const da = matrixDims(a), db = matrixDims(bIn);
  if (!k || !da || !db || tf.backend() !== backend || da[0] !== db[0] || da[0] <= transposedAChunk.above) return undefined;
  const [K, M] = da, N = db[1];
  const b = backend as WasmKernelBackend;
  const heapOf = (t: tf.TensorInfo) => b.typedArrayFromHeap(t).byteOffset;
  fastPathCalls.chunkedMatMul++;
  let acc: tf.TensorInfo | undefined;
  const chunk = transposedAChunk.rows;
  for (let k0 = 0; k0 < K; k0 += chunk) {
    const kc = Math.min(chunk, K - k0);
    const at = transposeAt(k, b, heapOf(a) + k0 * M * 4, kc, M, [1, M, kc]);
    const bc = b.makeOutput([1, kc, N], 'float32');
    const bFrom = heapOf(bIn) + k0 * N * 4;
    new Uint8Array(wasmHeap()!.buffer).copyWithin(heapOf(bc), bFrom, bFrom + kc * N * 4);
    const part = matMul(at, bc);
    b.disposeData(at.dataId);
    b.disposeData(bc.dataId);
    if (!acc) acc = part;
    else {
      // acc ← acc·1 + part·1: one float32 addition per element.
      k.ema(heapOf(acc), heapOf(part), heapOf(acc), M * N, 1, 1);
      b.disposeData(part.dataId);
    }
  }
  return { ...acc!, shape: a.shape.length === 2 && bIn.shape.length === 2 ? [M, N] : [1, M, N] };
}
