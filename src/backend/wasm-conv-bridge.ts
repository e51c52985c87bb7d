import * as tf from '@tensorflow/tfjs-core';

/**
 * Convolution gradients for tfjs-backend-wasm 4.22, which cannot train a conv net as shipped:
 *  - `Conv2DBackpropFilter` (the weight gradient) has no wasm kernel at all, so the first backward pass
 *    through `tf.conv2d` throws;
 *  - `Conv2DBackpropInput` (the input gradient) exists but is a plain C++ loop, ~12× slower than the
 *    XNNPACK forward convolution (268 ms vs 22 ms for 8×64²×32→32 on this box).
 *
 * Both are rebuilt here from wasm kernels that are fast (XNNPACK or memcpy-like), so nothing leaves wasm
 * memory:
 *  - filter gradient: dW[i,j,:,:] = Σ_{b,y,x} x̃[b, s·y+i, s·x+j, :]ᵀ · dy[b,y,x,:] with x̃ the padded input.
 *    Stride 1 (every conv of the U-Net): the kh·kw shifted inputs are laid out as contiguous runs and
 *    multiplied by dy in one GEMM (see the comment in `filterGradient`); strided convolutions slice each
 *    tap with StridedSlice and run one GEMM per tap. Same FLOPs as the forward pass, ~1–2× its time.
 *  - input gradient, stride 1: a forward convolution of dy with the filter rotated 180° and its in/out
 *    channels swapped, padded by (k−1−pad) on each side. Strided convolutions keep the original kernel.
 * Channels-first filter gradients (the wasm forward Conv2D rejects that layout anyway) are bridged to the
 * cpu backend's kernel: inputs are copied out of wasm memory, run there, and the result copied back.
 *
 * Registered before the wasm backend initialises (next to the matmul patch); the kernels need no setup.
 */
let bridged = false;

type Info = tf.TensorInfo;
type Backend = tf.KernelBackend & {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): Info;
  typedArrayFromHeap(t: Info): tf.backend_util.TypedArray;
};

interface FilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

interface InputAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** Runs wasm kernels by name inside another kernel and frees the intermediates it made. */
class KernelScope {
  private readonly temps: Info[] = [];
  constructor(private readonly backend: Backend) {}

  run(kernelName: string, inputs: tf.NamedTensorInfoMap | Info[], attrs: tf.NamedAttrMap = {}): Info {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (!kernel) throw new Error(`wasm kernel ${kernelName} is not registered`);
    const out = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: this.backend, attrs }) as Info;
    this.temps.push(out);
    return out;
  }

  /** A fresh float32 tensor in wasm memory, freed by `finish` like the kernels' intermediates. */
  alloc(shape: number[]): Info {
    const out = this.backend.makeOutput(shape, 'float32');
    this.temps.push(out);
    return out;
  }

  /**
   * The whole wasm heap as floats, and each tensor's element offset in it. Take views after the last
   * allocation: an allocation may grow (and so replace) the heap's buffer.
   */
  views(anchor: Info): { heap: Float32Array; at: (t: Info) => number } {
    const typed = (t: Info) => this.backend.typedArrayFromHeap(t) as Float32Array;
    return { heap: new Float32Array(typed(anchor).buffer), at: (t) => typed(t).byteOffset / 4 };
  }

  /** Dispose every intermediate except `result` (a Reshape result shares its data via a reference count). */
  finish(result: Info): Info {
    for (const t of this.temps) if (t !== result) this.backend.disposeData(t.dataId);
    return result;
  }
}

function convInfo(xShape: number[], filterShape: number[], attrs: FilterAttrs | InputAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}

function filterGradient(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs as unknown as FilterAttrs;
  const backend = args.backend as Backend;
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  if (info.dataFormat !== 'channelsLast') return viaCpu('Conv2DBackpropFilter', args);
  const { batchSize: B, inHeight: H, inWidth: W, filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { top, bottom, left, right } = info.padInfo;
  const k = new KernelScope(backend);
  if (sh === 1 && sw === 1) {
    // Stride 1: flatten each zero-padded image's rows into one axis of length P = Hp·Wp. Tap (i,j) of the
    // input is then the run starting at i·Wp + j, and dy, zero-padded to Hp×Wp at the bottom and right,
    // lines up with it position for position (products that wrap past a row's end meet those zeros).
    // Stacking the kh·kw shifted runs gives one GEMM for all taps:
    //   dW [kh·kw·ci, co] = X̃ [kh·kw·ci, B·L] · dy [B·L, co],
    // rows ordered (i, j, c), which is already the filter layout [kh, kw, ci, co]. One large GEMM keeps
    // XNNPACK's tiles full (ci alone is as small as 16) and packs dy once. Layout copies are contiguous runs
    // moved on the wasm heap: the wasm Slice and Pad kernels copy their whole input out of the heap per
    // call, which cost more than the arithmetic.
    const Hp = H + top + bottom, Wp = W + left + right, P = Hp * Wp;
    const L = P - ((kh - 1) * Wp + (kw - 1));
    const xt = k.run('Transpose', { x }, { perm: [3, 0, 1, 2] }); // [ci, B, H, W]
    const xp = k.alloc([ci * B, P]); // the same, zero-padded to Hp×Wp
    {
      const { heap, at } = k.views(xp);
      const src = at(xt), dst = at(xp);
      heap.fill(0, dst, dst + ci * B * P);
      for (let r = 0; r < ci * B; r++) {
        for (let y = 0; y < H; y++) heap.copyWithin(dst + r * P + (y + top) * Wp + left, src + (r * H + y) * W, src + (r * H + y + 1) * W);
      }
    }
    const cols = k.alloc([1, kh * kw * ci, B * L]);
    {
      const { heap, at } = k.views(cols);
      const src = at(xp), dst = at(cols);
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const tap = (i * kw + j) * ci;
          for (let c = 0; c < ci; c++) {
            for (let b = 0; b < B; b++) {
              const from = src + (c * B + b) * P + i * Wp + j;
              heap.copyWithin(dst + (tap + c) * B * L + b * L, from, from + L);
            }
          }
        }
      }
    }
    const dyl = k.alloc([1, B * L, co]);
    {
      const { heap, at } = k.views(dyl);
      const src = at(dy), dst = at(dyl);
      heap.fill(0, dst, dst + B * L * co);
      for (let b = 0; b < B; b++) {
        for (let y = 0; y < oh; y++) heap.copyWithin(dst + (b * L + y * Wp) * co, src + (b * oh + y) * ow * co, src + ((b * oh + y) * ow + ow) * co);
      }
    }
    const dw = k.run('BatchMatMul', { a: cols, b: dyl }, { transposeA: false, transposeB: false }); // [1, kh·kw·ci, co]
    return k.finish(k.run('Reshape', { x: dw }, { shape: [kh, kw, ci, co] }));
  }
  const xp = top || bottom || left || right ? k.run('PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]] as unknown as number[], constantValue: 0 }) : x;
  // Strided: per tap, a strided slice of the padded input [N, ci] against dyᵀ [co, N].
  const n = B * oh * ow;
  const taps: Info[] = [];
  const dyT = k.run('Reshape', { x: k.run('Transpose', { x: k.run('Reshape', { x: dy }, { shape: [n, co] }) }, { perm: [1, 0] }) }, { shape: [1, co, n] });
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const shifted = k.run('StridedSlice', { x: xp }, { begin: [0, i, j, 0], end: [B, i + sh * (oh - 1) + 1, j + sw * (ow - 1) + 1, ci], strides: [1, sh, sw, 1], beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 });
      const cols = k.run('Reshape', { x: shifted }, { shape: [1, n, ci] });
      taps.push(k.run('BatchMatMul', { a: dyT, b: cols }, { transposeA: false, transposeB: false })); // [1, co, ci]
    }
  }
  const stacked = taps.length === 1 ? taps[0]! : k.run('Concat', taps, { axis: 0 }); // [kh·kw, co, ci]
  const perTap = k.run('Transpose', { x: stacked }, { perm: [0, 2, 1] }); // [kh·kw, ci, co]
  return k.finish(k.run('Reshape', { x: perTap }, { shape: [kh, kw, ci, co] }));
}

function inputGradient(original: tf.KernelConfig) {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info | Info[] => {
    const { dy, filter } = args.inputs as { dy: Info; filter: Info };
    const attrs = args.attrs as unknown as InputAttrs;
    const info = convInfo(attrs.inputShape, filter.shape, attrs);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { top, bottom, left, right } = info.padInfo;
    const pads = [kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right];
    if (info.dataFormat !== 'channelsLast' || sh !== 1 || sw !== 1 || pads.some((p) => p < 0)) {
      return original.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info;
    }
    const k = new KernelScope(args.backend as Backend);
    // Rotate 180° and swap in/out channels: W'[i,j,o,c] = W[kh−1−i, kw−1−j, c, o].
    const flipped = k.run('Transpose', { x: k.run('Reverse', { x: filter }, { dims: [0, 1] }) }, { perm: [0, 1, 3, 2] });
    return k.finish(
      k.run('Conv2D', { x: dy, filter: flipped }, {
        strides: [1, 1],
        pad: [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]] as unknown as number[],
        dataFormat: 'NHWC',
        dilations: [1, 1],
        dimRoundingMode: attrs.dimRoundingMode as unknown as string,
      }),
    );
  };
}

/** Run the cpu backend's kernel on copies of the inputs and copy the result into wasm memory. */
function viaCpu(kernelName: string, args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const wasm = args.backend as Backend;
  const cpu = tf.findBackend('cpu');
  const kernel = tf.getKernel(kernelName, 'cpu');
  if (!cpu || !kernel) throw new Error(`${kernelName}: no wasm kernel and no cpu backend to bridge to`);
  const copies: Record<string, Info> = {};
  for (const [name, t] of Object.entries(args.inputs)) {
    if (!t) continue;
    copies[name] = { dataId: cpu.write(wasm.readSync(t.dataId), t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
  }
  const out = kernel.kernelFunc({ inputs: copies, backend: cpu, attrs: args.attrs }) as Info;
  const result = wasm.makeOutput(out.shape, out.dtype, undefined, cpu.readSync(out.dataId));
  for (const c of [...Object.values(copies), out]) cpu.disposeData(c.dataId);
  return result;
}

export function bridgeWasmConvGradients(): void {
  if (bridged) return;
  bridged = true;
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: filterGradient as tf.KernelFunc });
  }
  const original = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (original) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', setupFunc: original.setupFunc, kernelFunc: inputGradient(original) as tf.KernelFunc });
  }
}
