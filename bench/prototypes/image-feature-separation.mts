/**
 * Issue 16: which of the image C2ST forest's features (evaluate/image-detection.ts sliceFeatures: the 8×8 grid
 * of area means, intensity quantiles, the share above the window's middle, gradient and Laplacian statistics)
 * tell a folder of real slices from a folder of synthetic ones on their own. Prints each feature's univariate
 * AUC (the 12 farthest from ½) and the mean of each slice's one-pixel border.
 * usage: npx tsx bench/prototypes/image-feature-separation.mts REAL_DIR SYNTHETIC_DIR [LOW HIGH] [SIZE]
 * (LOW HIGH: the run's window in modality units, report.json's preprocessing; brain-mr's is 1 720.62)
 */
import { readDicomSeries } from '../../src/io/dicom/series.js';
import { normalize, prepareSlices } from '../../src/io/dicom/preprocess.js';
import { sliceFeatures } from '../../src/evaluate/image-detection.js';
import { aucTwoSample } from '../../src/evaluate/stats.js';

const [realDir, synDir, low = '1', high = '720.62', sizeArg = '64'] = process.argv.slice(2);
if (!realDir || !synDir) throw new Error('usage: image-feature-separation.mts REAL_DIR SYNTHETIC_DIR [LOW HIGH] [SIZE]');
const size = Number(sizeArg);
const win: [number, number] = [Number(low), Number(high)];
const load = async (d: string) => (await readDicomSeries(d)).flatMap((s) => prepareSlices(s.images, size)).map((s) => normalize(s.modality, win));
const real = await load(realDir), syn = await load(synDir);
const fr = real.map((v) => sliceFeatures(v, size)), fs = syn.map((v) => sliceFeatures(v, size));
const names = [...Array.from({ length: 64 }, (_, i) => `cell${i}`), 'q05', 'q25', 'q50', 'q75', 'q95', 'above', 'gradMean', 'gradSd', 'lapMean', 'lapSd'];
const aucs = fr[0]!.map((_, k) => [names[k] ?? `f${k}`, aucTwoSample(fs.map((f) => f[k]!), fr.map((f) => f[k]!))] as const);
aucs.sort((a, b) => Math.abs(b[1] - 0.5) - Math.abs(a[1] - 0.5));
console.log(`${real.length} real, ${syn.length} synthetic slices; univariate AUC (synthetic = positive):`);
console.log(aucs.slice(0, 12).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', '));
const border = (v: Float32Array) => {
  let s = 0;
  for (let i = 0; i < size; i++) s += v[i]! + v[(size - 1) * size + i]! + v[i * size]! + v[i * size + size - 1]!;
  return s / (4 * size);
};
console.log('border mean, real:', real.map(border).map((x) => x.toFixed(3)).join(' '));
console.log('border mean, synthetic:', syn.map(border).map((x) => x.toFixed(3)).join(' '));
