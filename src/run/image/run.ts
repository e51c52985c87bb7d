import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageDiffusion, defaultChannels, type SeriesLabels } from '../../diffusion/image.js';
import { DicomError, SpecError, SynthdiffError } from '../../errors.js';
import { intensityHistograms, meanPairwiseDissimilarity } from '../../evaluate/image-fidelity.js';
import { imageDetectionC2ST } from '../../evaluate/image-detection.js';
import { imageKid } from '../../evaluate/image-kid.js';
import { cnnDetectionC2ST, cnnKid, trainSliceFeatures } from '../../evaluate/image-cnn.js';
import { msSsimDiversity, msSsimScales } from '../../evaluate/image-msssim.js';
import { assessMemorization, type MemorizationResult } from '../../evaluate/memorization.js';
import { writeReport } from '../report-file.js';
import { affineFromDicom, readNifti, writeNifti, type NiftiVolume } from '../../io/nifti.js';
import { niftiSlices } from '../../io/nifti-slices.js';
import { runHeader, secondsSince } from '../header.js';
import { checkpointSource, prepareModel, saveModel, startBackend } from '../model.js';
import { planImage, type ImagePlan } from '../plan.js';
import { parseDicom, readDicomSeries, type DicomImage } from '../../io/dicom/index.js';
import { selectSeries, type DicomSeriesList } from '../../io/dicom/series.js';
import { deidentifyFiles } from '../../io/dicom/deidentify.js';
import { newUid, UidRemapper } from '../../io/dicom/uid.js';
import { messages } from '../../messages.js';
import { buildSyntheticDicom, sliceNormal } from '../../io/dicom/write.js';
import { encodeGrayPng, tileGray, toGray8 } from '../../report/png.js';
import { createLogger, type Logger } from '../../report/log.js';
import { deriveSeed, createRng } from '../../rng.js';
import { chooseWindow, denormalize, intensityQuantiles, matchIntensities, notMonochrome, flipLeftRight, normalize, prepareSlices, type ImagePreprocessing, type PreparedSlice, type SlicePlane } from '../../io/dicom/preprocess.js';
import { displayFromModality, evenLevels, exportedValues, niftiEncoding, pixelEncoding, sliceLevels, syntheticImage, syntheticPlanes, writeSyntheticSeries, type PixelEncoding } from './export.js';
import type { ImageReport, ImageThumb, ImageRunReport, ImageTaskReport } from '../../report/model.js';
import type { NormalizedSpec } from '../../spec/normalize.js';
import { checkOutputs } from '../outputs.js';
import { labelFileParts, labelOrder, labelOutput, labelsOfSeries, labelSeriesDescription, levelsPerSeries, shownLabel, splitByLabel, splitSlices } from './labels.js';
import type { SeriesLabelAttribute } from '../../io/dicom/series-label.js';

/**
 * The image pipeline: a DICOM folder (or one NIfTI volume) → slices at model resolution → held-out split → U-Net score model
 * (trained or loaded) → tasks (synthesize: DICOM series; deidentify: the source series) → evaluation
 * (intensity histograms, diversity, memorization) → report.json with thumbnails.
 *
 * Export is gated by the memorization check: when more than 1% of a synthesize task's images are
 * near-copies of training images (or the check's positive control fails), that task writes no DICOM, the
 * report is still written with the evidence, and the run ends with `ExportBlockedError` (exit 1). Blocking
 * rather than flagging because the outputs are meant to leave the hospital: a flagged file that is
 * written anyway is one `cp` away from leaking a patient's scan.
 */

/** `force`: retrain even where model.checkpoint holds the model this spec trained (as table runs). */
export interface ImageRunOptions {
  log?: Logger;
  renderHtml?: (report: ImageRunReport) => string;
  force?: boolean;
}

export class ExportBlockedError extends SynthdiffError {
  override name = 'ExportBlockedError';
}

/** Images sampled for evaluation when the spec has no synthesize task. */
const EVALUATION_SAMPLES = 16;
/** Thumbnails per row in the report. */
const THUMBS = 8;

export async function runImagePipeline(ns: NormalizedSpec, opts: ImageRunOptions = {}): Promise<ImageRunReport> {
  const plan = planImage(ns);
  checkOutputs(ns);
  return runImagePlan(plan, opts);
}

/** The run itself, from the plan alone (the spec's checks are done). */
export async function runImagePlan(plan: ImagePlan, opts: ImageRunOptions = {}): Promise<ImageRunReport> {
  const log = opts.log ?? createLogger();
  const { seed, evaluate } = plan;
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  log.info(`synthdiff: pipeline "${plan.name}" (spec ${plan.hash.slice(0, 12)}, seed ${seed})`);

  // Load: every image under the folder, all series together (each slice is one training image); or one
  // NIfTI volume, whose slices along its third axis are the training images.
  const volume = plan.sourceFormat === 'nifti' ? await readNifti(plan.source) : undefined;
  const seriesList: DicomSeriesList = volume ? Object.assign([], { skipped: [] }) : await readDicomSource(plan, log);
  const images: DicomImage[] = seriesList.flatMap((s) => s.images);
  // A NIfTI volume names no modality: synthetic DICOM files from it are OT (other).
  const modality = volume ? 'OT' : (seriesList[0]!.modality ?? 'OT');
  timings.load = secondsSince(t0);

  // Preprocess and split. A loaded model brings its own size and window.
  t0 = performance.now();
  const pre = plan.preprocess;
  // The checkpoint is decided (and loaded) before preprocessing, as prepareModel would: load, a rerun's
  // reuse unless forced, or resume. A checkpoint's tensors need the backend, so it starts first.
  const m = plan.model && { ...plan.model, reuseCheckpoint: !opts.force };
  const source = m ? await checkpointSource(m, plan.hash) : undefined;
  const early = m && source?.from ? await startBackend(m, log) : undefined;
  const loaded = source?.from ? await ImageDiffusion.load(source.from) : undefined;
  const size = loaded?.preprocessing.imageSize ?? pre.imageSize ?? 64;
  // Series labels (model.seriesLabel, or what a loaded model conditions on): one per selected series, read
  // before any training so a task's unknown label stops the run at once.
  if (loaded && pre.seriesLabel && loaded.seriesLabels?.attribute !== pre.seriesLabel) throw new SpecError(messages.seriesLabelCheckpoint(source!.from!, loaded.seriesLabels?.attribute, pre.seriesLabel));
  const labelAttribute = m ? ((loaded ? loaded.seriesLabels?.attribute : pre.seriesLabel) as SeriesLabelAttribute | undefined) : undefined;
  if (labelAttribute && volume) throw new SpecError(messages.seriesLabelNifti(plan.source));
  const seriesLabels = labelAttribute ? labelsOfSeries(seriesList, labelAttribute, plan.source) : undefined;
  const modelLabels = loaded ? loaded.seriesLabels?.labels : seriesLabels && labelOrder(seriesLabels);
  for (const t of plan.tasks) {
    if (t.type !== 'synthesize' || !t.labels) continue;
    if (!modelLabels) throw new SpecError(messages.seriesLabelsUnconditioned(t.index, `the model in ${source!.from!}`));
    for (const l of t.labels) {
      if (!modelLabels.includes(l)) throw new SpecError(loaded ? messages.seriesLabelNotLearned(t.index, l, source!.from!, modelLabels) : messages.seriesLabelUnknown(t.index, l, labelAttribute!, modelLabels));
    }
  }
  // Colour and PALETTE COLOR images are not grey-level training slices: named, left out of the model,
  // still de-identified.
  const trainable = images.filter((im) => notMonochrome(im) === undefined);
  for (const im of images) {
    const why = notMonochrome(im);
    if (why) log.info(`not an image-model input: ${why}`);
  }
  if (!volume && trainable.length === 0 && (plan.model || plan.tasks.some((t) => t.type === 'synthesize'))) throw new DicomError(notMonochrome(images[0]!)!);
  const fromVolume = volume && niftiSlices(volume, plan.source, size);
  // Slices series by series (the order of `images`), so each slice knows its series and, with labels, its label.
  const perSeries = fromVolume ? [fromVolume.slices] : seriesList.map((s) => prepareSlices(s.images.filter((im) => notMonochrome(im) === undefined), size));
  const slices = perSeries.flat();
  const sliceLabels = seriesLabels && perSeries.flatMap((list, k) => list.map(() => seriesLabels[k]!));
  const split = sliceLabels ? splitByLabel(sliceLabels, plan.split.holdout, seed) : splitSlices(slices.length, plan.split.holdout, seed);
  if (evaluate && split.holdout.length === 0) throw new SpecError(messages.imageMemorizationNeedsHoldout());
  const trainSlices = split.train.map((i) => slices[i]!);
  const holdoutSlices = split.holdout.map((i) => slices[i]!);
  const preprocessing: ImagePreprocessing = loaded?.preprocessing ?? {
    imageSize: size,
    // Without monochrome slices (a de-identification-only run over colour images) nothing uses the window.
    ...(trainSlices.length ? chooseWindow(trainSlices.map((s) => s.modality), pre.window) : { window: [0, 1] as [number, number], windowSource: 'spec' as const }),
    flip: pre.flip,
  };
  const win = preprocessing.window;
  // Samples onto the training intensity distribution, where the model carries it, the floor in one piece
  // (see matchIntensities); a labelled model's samples onto their own label's distribution.
  const calibrated = (v: Float32Array[], label?: string): Float32Array[] => {
    const q = (label !== undefined ? preprocessing.labelIntensityQuantiles?.[label] : undefined) ?? preprocessing.intensityQuantiles;
    return q ? matchIntensities(v, q, size) : v;
  };
  const train = trainSlices.map((s) => normalize(s.modality, win));
  if (!loaded && train.length) preprocessing.intensityQuantiles = intensityQuantiles(train);
  const trainLabels = sliceLabels && split.train.map((i) => sliceLabels[i]!);
  if (!loaded && trainLabels && modelLabels) {
    preprocessing.labelIntensityQuantiles = Object.fromEntries(modelLabels.map((l) => [l, intensityQuantiles(train.filter((_, j) => trainLabels[j] === l))]));
  }
  const holdout = holdoutSlices.map((s) => normalize(s.modality, win));
  // Slice-position conditioning: each slice's level along the normal, over all slices (train and held out);
  // a NIfTI volume without an sform has no normal, but its slices are in order along k. With series labels
  // each series is its own volume: levels run 0 → 1 within each.
  const levels = sliceLabels ? levelsPerSeries(perSeries) : (sliceLevels(slices) ?? fromVolume?.indexLevels);
  const trainLevels = levels && split.train.map((i) => levels[i]!);
  timings.preprocess = secondsSince(t0);
  const prepared = `${slices.length} slices at ${size}²; train ${train.length}, held out ${holdout.length}; window [${win.map((v) => +v.toFixed(2)).join(', ')}] (${preprocessing.windowSource})`;
  if (volume) {
    const [nx, ny, nz] = volume.dims;
    const voxel = fromVolume!.voxel.map((v) => +v.toFixed(3)).join('×');
    const shown = [fromVolume!.reversed.columns && 'columns', fromVolume!.reversed.rows && 'rows'].filter(Boolean).join(' and ');
    log.info(
      `loaded ${plan.source}: a ${nx}×${ny}×${nz} NIfTI volume (${voxel} mm voxels; ${volume.affineSource === 'sform' ? 'geometry from the sform' : 'no sform: voxel sizes only, no patient position'}), ` +
        `the slices along its third axis${shown ? ` (${shown} reversed to show as DICOM does)` : ''}; ${prepared}`,
    );
  } else {
    log.info(`loaded ${plan.source}: ${images.length} ${modality} image${images.length === 1 ? '' : 's'} in ${seriesList.length} series (${images[0]!.meta.Rows}×${images[0]!.meta.Columns}), ${prepared}`);
    if (labelAttribute && sliceLabels && modelLabels) {
      const counts = labelOrder(sliceLabels).map((l) => `"${shownLabel(l, labelAttribute, modelLabels)}" ${trainLabels!.filter((t) => t === l).length}/${sliceLabels.filter((t) => t === l).length}`);
      log.info(`series labels (${labelAttribute}; training/all slices): ${counts.join(', ')}`);
    }
  }

  const report: ImageRunReport = {
    ...(await runHeader(plan, timings)),
    kind: 'image',
    data: {
      source: plan.source,
      series: volume ? 1 : seriesList.length,
      files: volume ? 1 : new Set(images.map((i) => i.source)).size,
      modality,
      sourceRows: volume ? volume.dims[1] : (images[0]!.meta.Rows ?? 0),
      sourceColumns: volume ? volume.dims[0] : (images[0]!.meta.Columns ?? 0),
      slices: slices.length,
      trainSlices: train.length,
      holdoutSlices: holdout.length,
      skippedFiles: seriesList.skipped.length,
    },
    tasks: [],
  };

  let model: ImageDiffusion | undefined;
  /**
   * Slices `set` (slice indices `idx`) with the levels and labels `mdl` conditions on, for its loss; a labelled
   * model (a loaded one too) is scored on the slices whose label it knows.
   */
  const lossInputs = (mdl: ImageDiffusion, set: Float32Array[], idx: number[]): { images: Float32Array[]; levels?: number[]; labels?: string[] } => {
    const known = new Set(mdl.seriesLabels?.labels ?? []);
    const keep = idx.flatMap((i, j) => (!mdl.labelled || known.has(sliceLabels?.[i] ?? '') ? [j] : []));
    return {
      images: keep.length === set.length ? set : keep.map((j) => set[j]!),
      ...(mdl.slicePosition ? { levels: keep.map((j) => levels![idx[j]!]!) } : {}),
      ...(mdl.labelled ? { labels: keep.map((j) => sliceLabels![idx[j]!]!) } : {}),
    };
  };
  if (m) {
    const backend = (report.backend = early ?? (await startBackend(m, log)));
    t0 = performance.now();
    const prepared = await prepareModel<ImageDiffusion>(m, plan.hash, log, {
      load: async () => loaded!,
      loadedDetail: () => `; its preprocessing applies: ${size}², window [${win.map((v) => +v.toFixed(2)).join(', ')}]`,
      onLoaded: () => {
        if (m.imageSize && m.imageSize !== size) log.info(`note: model.imageSize ${m.imageSize} is ignored; the checkpoint was trained at ${size}²`);
      },
      create: () => {
        const conditioned = pre.slicePosition ?? levels !== undefined;
        if (conditioned && !levels) throw new DicomError(messages.slicePositionNoGeometry(plan.source, 'model.slicePosition: true'));
        return ImageDiffusion.create(preprocessing, {
          channels: defaultChannels(backend.device, size, m.width),
          seed,
          train: m.train,
          slicePosition: conditioned,
          ...(labelAttribute && modelLabels ? { seriesLabels: { attribute: labelAttribute, labels: modelLabels } } : {}),
        });
      },
      describeTraining: (model) =>
        `training: U-Net [${model.unet.channels.join(', ')}] at ${size}², ${model.net.parameterCount.toLocaleString('en-US')} parameters, ${model.trainOptions.steps} steps at batch ${model.trainOptions.batchSize}${preprocessing.flip ? ', random flips' : ''}${model.slicePosition ? ', conditioned on slice position' : ''}` +
        (model.seriesLabels ? `${model.slicePosition ? ' and' : ', conditioned on'} ${model.seriesLabels.attribute} (${model.seriesLabels.labels.map((l) => `"${shownLabel(l, model.seriesLabels!.attribute, model.seriesLabels!.labels)}"`).join(', ')})` : ''),
      fit: async (model) => {
        const dir = m.checkpoint;
        // The held-out slices' loss through training (about ten points): where it is lowest says how many
        // steps these slices can use before the denoiser fits the training slices more than new ones.
        const held = lossInputs(model, holdout, split.holdout);
        const state = await model.fit(train, {
          ...(model.slicePosition ? { levels: trainLevels } : {}),
          ...(model.labelled ? { labels: trainLabels } : {}),
          ...(held.images.length ? { heldOut: { ...held, seed: deriveSeed(seed, 'loss'), every: Math.max(1, Math.round(model.trainOptions.steps / 10)) } } : {}),
          onProgress: (p) => log.progress('train', p.step, p.steps, `loss ${p.loss.toFixed(4)} ${p.stepsPerSec.toFixed(2)} steps/s`),
          ...(dir && m.checkpointEveryMs
            ? { checkpoint: { dir, everyMs: m.checkpointEveryMs, onSaved: (s) => log.info(`checkpoint ${dir}: step ${s.step} of ${model.trainOptions.steps} (resume: true continues from here)`) } }
            : {}),
        });
        log.done('train', `(${state.step} steps, final loss ${state.lossCurve.at(-1)?.[1].toFixed(4) ?? '?'})`);
      },
    }, source);
    model = prepared.model;
    if (model.slicePosition && !levels) throw new DicomError(messages.slicePositionNoGeometry(plan.source, 'the model'));
    timings.train = secondsSince(t0);
    t0 = performance.now();
    const lossOn = async (set: Float32Array[], idx: number[]): Promise<number> => {
      const x = lossInputs(model!, set, idx);
      return model!.evaluateLoss(x.images, deriveSeed(seed, 'loss'), x.levels, x.labels);
    };
    const trainLoss = await lossOn(train, split.train);
    // The held-out curve of the training (a loaded model brings its own; absent without held-out slices or in older checkpoints).
    const heldCurve = model.state.heldOutCurve?.length ? model.state.heldOutCurve : undefined;
    const heldLast = heldCurve?.at(-1);
    // Trained here, the curve's last point is this loss already (same slices, seed and EMA weights).
    const holdoutLoss = prepared.trained && heldLast?.[0] === model.state.step ? heldLast[1] : await lossOn(holdout, split.holdout);
    const heldLowest = heldCurve && lowestPoint(heldCurve);
    timings.modelLoss = secondsSince(t0);
    report.model = {
      kind: 'image-diffusion (EDM, U-Net)',
      channels: model.unet.channels,
      imageSize: size,
      parameters: model.net.parameterCount,
      steps: model.state.step,
      batchSize: model.trainOptions.batchSize,
      learningRate: model.trainOptions.learningRate,
      flip: preprocessing.flip,
      ...(model.slicePosition || model.seriesLabels
        ? {
            condition: [
              model.slicePosition && `slice position (level 0–1 along the slice normal${model.seriesLabels ? ' of each series' : ''}); synthetic slices drawn at evenly spaced levels`,
              model.seriesLabels && `series label (${model.seriesLabels.attribute}, one-hot); synthetic slices drawn per label, each label its own series`,
            ].filter(Boolean).join('; '),
          }
        : {}),
      ...(model.seriesLabels ? { seriesLabel: seriesLabelReport(model.seriesLabels, split.holdout.map((i) => sliceLabels?.[i])) } : {}),
      finalLoss: model.state.lossCurve.at(-1)?.[1],
      // The EMA model's loss at fixed noise levels: held-out ≈ train means no overfitting of the denoiser.
      trainLoss,
      holdoutLoss,
      ...(heldCurve ? { holdoutLossCurve: heldCurve, holdoutLossLowestAt: heldLowest![0] } : {}),
      lossCurve: model.state.lossCurve,
      trainSeconds: timings.train,
      stepsPerSecond: prepared.trained && timings.train > 0 ? Math.round((model.trainOptions.steps / timings.train) * 100) / 100 : undefined,
      sampler: m.samplerLabel,
      samplerSteps: m.samplerSteps,
    };
    log.info(`model loss (EMA, fixed σ): train ${trainLoss.toFixed(4)}, held-out ${holdoutLoss.toFixed(4)}`);
    if (heldCurve) log.info(heldOutVerdict(heldCurve));
    const saved = await saveModel(model, m, log);
    if (saved) report.model.checkpoint = saved.dir;
  }

  // Stored-value encoding shared by every synthetic file and by the positive control.
  // MONOCHROME1 sources (every slice) are written back as MONOCHROME1 in their own units.
  const inversion = slices.length && slices.every((s) => s.inversion !== undefined) ? slices[0]!.inversion : undefined;
  const first = images[0]?.meta;
  const encoding = volume
    ? niftiEncoding(win, volume.stored)
    : pixelEncoding(win, { rescaleSlope: first!.RescaleSlope, rescaleIntercept: first!.RescaleIntercept, signed: first!.PixelRepresentation === 1, hadRescale: images[0]!.tag('(0028,1053)') !== undefined, inversion });
  const spacing = slices[0]?.pixelSpacing;

  /**
   * `count` slices per label (one group; `undefined`: an unlabelled model), each group at evenly spaced
   * levels for a slice-position model, calibrated onto its label's intensities, in display values.
   */
  const draw = async (count: number, labels: readonly (string | undefined)[], drawSeed: number, progress: (done: number, total: number) => void) => {
    const groups: { label?: string; values: Float32Array[] }[] = [];
    for (const [g, lab] of labels.entries()) {
      const normalized = await model!.sample(count, {
        seed: lab === undefined ? drawSeed : deriveSeed(drawSeed, `label:${lab}`),
        ...plan.sampling,
        ...(model!.slicePosition ? { levels: evenLevels(count) } : {}),
        ...(lab !== undefined ? { labels: new Array<string>(count).fill(lab) } : {}),
        onProgress: (d) => progress(g * count + d, count * labels.length),
      });
      groups.push({ ...(lab !== undefined ? { label: lab } : {}), values: calibrated(normalized, lab).map((v) => denormalize(v, win)) });
    }
    return groups;
  };
  /** The source series carrying the given labels (every series without labels). */
  const drawnSeries = (labels: readonly (string | undefined)[]) => seriesList.filter((_, k) => !seriesLabels || labels.includes(seriesLabels[k])).map((s) => s.images[0]!);

  let shown: { synthetic: Float32Array[]; memorization: MemorizationResult } | undefined;
  const blocked: string[] = [];
  for (const task of plan.tasks) {
    t0 = performance.now();
    const { label } = task;
    if (task.type === 'deidentify') {
      // Objects without pixel data (SR, RT structure sets, presentation states) are de-identified with the
      // images, by the same profile and UID map (their references to the images stay consistent), unless
      // source.series picks series: then only the picked images are.
      const nonImages = plan.series ? [] : seriesList.skipped.filter((f) => f.nonImage).map((f) => f.path);
      const files = [...new Set([...images.map((im) => im.source), ...nonImages])];
      const secret = await readSecret(task);
      const results = await deidentifyFiles(files, task.output, {
        remapper: new UidRemapper(secret ? { secret: secret.value } : {}),
        profile: task.options,
        ...(task.audit ? { auditPath: task.audit } : {}),
        ...(task.uidMap ? { uidMapPath: task.uidMap } : {}),
        ...(task.layout ? { layout: task.layout } : {}),
        ...(secret ? { secretSource: secret.source } : {}),
      });
      const warnings = [...new Set(results.flatMap((r) => r.warnings))];
      for (const f of results.skipped) log.info(`${label}: skipped ${f.reason}`);
      // Every input file the task did not de-identify, by name: those the reader skipped and those it refused.
      const skipped = [...seriesList.skipped.filter((f) => !nonImages.includes(f.path)), ...results.skipped];
      report.tasks.push({
        type: 'deidentify',
        output: task.output,
        files: results.length,
        skipped,
        seconds: secondsSince(t0),
        profile: 'DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile',
        options: task.options,
        pseudonyms: secret ? `keyed (secret from ${secret.source})` : 'random for this run',
        ...(task.audit ? { audit: task.audit } : {}),
        cleaned: results.reduce((s, r) => s + r.cleaned, 0),
        retained: results.reduce((s, r) => s + r.retained, 0),
        shifted: results.reduce((s, r) => s + r.shifted, 0),
        removed: results.reduce((s, r) => s + r.removed, 0),
        emptied: results.reduce((s, r) => s + r.emptied, 0),
        replaced: results.reduce((s, r) => s + r.replaced, 0),
        uidsRemapped: results.reduce((s, r) => s + r.uidsRemapped, 0),
        warnings,
      });
      log.info(`${label}: de-identified ${results.length} files into ${task.output}${skipped.length ? `, skipped ${skipped.length}` : ''}${warnings.length ? ` (${warnings.join('; ')})` : ''}`);
    } else if (task.type === 'synthesize') {
      // A labelled model draws `count` slices per label (the task's labels, or every label it knows).
      const drawn = model!.labelled ? (task.labels ?? model!.seriesLabels!.labels) : [undefined];
      const total = task.count * drawn.length;
      log.progress(label, 0, total, 'images'); // starts the clock: progress arrives per batch of 16
      const groups = await draw(task.count, drawn, task.seed, (d, n) => log.progress(label, d, n, 'images'));
      log.done(label, `(${total} images${model!.labelled ? `, ${task.count} per label` : ''})`);
      const values = groups.flatMap((g) => g.values);
      const memorization = await checkMemorization(values, { train, holdout, encoding, win, size, modality, seed: task.controlSeed });
      shown ??= { synthetic: values, memorization };
      const entry: ImageTaskReport = { type: 'synthesize', output: task.output, files: 0, seconds: 0, count: task.count, maxSimilarity: memorization.synthetic.max, threshold: memorization.threshold, nearCopies: memorization.synthetic.nearCopies.length };
      // Per label: its name as shown, its own output (a subfolder, or a volume beside the task's path).
      const sl = model!.seriesLabels;
      const shownNames = groups.map((g) => (g.label !== undefined && sl ? shownLabel(g.label, sl.attribute, sl.labels) : undefined));
      const parts = labelFileParts(shownNames.map((n) => n ?? ''));
      const outputOf = (g: number) => (groups[g]!.label !== undefined ? labelOutput(task.output, parts[g]!, task.format) : task.output);
      // A label's slices (its geometry, its modality); a label the source lacks (a loaded model's) takes them all.
      const sourceOf = (lab: string | undefined) => {
        const own = lab === undefined || !sliceLabels ? [] : slices.filter((_, i) => sliceLabels[i] === lab);
        const k = lab === undefined || !seriesLabels ? -1 : seriesLabels.indexOf(lab);
        return { slices: own.length ? own : slices, modality: k >= 0 ? (seriesList[k]!.modality ?? modality) : modality };
      };
      if (memorization.blocked) {
        blocked.push(`${label}: ${memorization.reason}`);
        entry.blocked = memorization.reason;
        log.info(`${label}: EXPORT BLOCKED: ${memorization.reason}`);
      } else if (task.format === 'nifti') {
        // One NIfTI volume per label: the slices in level order (as the DICOM files would be), in modality
        // units as a reader of the DICOM files would get them, with the same geometry as the affine.
        for (const [g, group] of groups.entries()) {
          const n = group.values.length;
          const planes = syntheticPlanes(sourceOf(group.label).slices, n, evenLevels(n));
          // Without planes (a NIfTI source with no sform) the synthetic slices still span the source's extent along k.
          const sliceSpacing = fromVolume && n > 1 ? (fromVolume.sliceSpacing * (fromVolume.slices.length - 1)) / (n - 1) : undefined;
          await writeNifti(outputOf(g), syntheticVolume(group.values.map((v) => exportedValues(v, encoding)), size, spacing, planes, sliceSpacing));
          entry.files++;
          log.info(
            `${label}: wrote a ${size}×${size}×${n} NIfTI volume to ${outputOf(g)}${shownNames[g] !== undefined ? ` (label "${shownNames[g]}")` : ''}${planes ? '' : ' (no source geometry: voxel sizes only)'} (max similarity to training ${memorization.synthetic.max.toFixed(4)} ≤ threshold ${memorization.threshold.toFixed(4)})`,
          );
        }
      } else {
        // Geometry: each synthetic series spans its source volume along the normal, so it stacks into a volume;
        // slice i lies at evenLevels(count)[i], the level a slice-position model drew it at. A labelled model's
        // series share one synthetic study (and one frame of reference where their sources share one).
        const studyInstanceUid = newUid();
        const frames = new Set(drawnSeries(groups.map((g) => g.label)).map((s) => s.tag('(0020,0052)')));
        const frameOfReferenceUid = groups.length > 1 && frames.size === 1 && !frames.has(undefined) ? newUid() : undefined;
        const written: { label?: string; output: string; files: number; seriesInstanceUid: string }[] = [];
        for (const [g, group] of groups.entries()) {
          const n = group.values.length;
          const src = sourceOf(group.label);
          const planes = syntheticPlanes(src.slices, n, evenLevels(n));
          const series = await writeSyntheticSeries(
            outputOf(g),
            group.values.map((v, i) => syntheticImage(v, size, encoding, { window: win, pixelSpacing: spacing, ...(planes ? { plane: planes[i]! } : {}) })),
            {
              modality: src.modality,
              seriesDescription: labelSeriesDescription(shownNames[g] ?? '', src.modality),
              ...(group.label !== undefined ? { studyInstanceUid, seriesNumber: g + 1, ...(frameOfReferenceUid ? { frameOfReferenceUid } : {}) } : {}),
            },
          );
          entry.files += series.files.length;
          written.push({ ...(shownNames[g] !== undefined ? { label: shownNames[g] } : {}), output: outputOf(g), files: series.files.length, seriesInstanceUid: series.seriesInstanceUid });
        }
        if (sl) entry.series = written;
        log.info(`${label}: wrote ${entry.files} DICOM files into ${task.output}${groups.length > 1 ? ` (${groups.length} series: ${written.map((w) => `"${w.label}"`).join(', ')})` : ''} (max similarity to training ${memorization.synthetic.max.toFixed(4)} ≤ threshold ${memorization.threshold.toFixed(4)})`);
      }
      entry.seconds = secondsSince(t0);
      report.tasks.push(entry);
    }
    timings[`task${task.index}`] = secondsSince(t0);
  }

  if (evaluate && model) {
    t0 = performance.now();
    if (!shown) {
      // A labelled model: the evaluation samples spread over its labels.
      const labels = model.labelled ? model.seriesLabels!.labels : [undefined];
      const groups = await draw(Math.ceil(EVALUATION_SAMPLES / labels.length), labels, deriveSeed(seed, 'evaluate'), (d, n) => log.progress('evaluate: sampling', d, n, 'images'));
      log.done('evaluate: sampling');
      const values = groups.flatMap((g) => g.values);
      shown = { synthetic: values, memorization: await checkMemorization(values, { train, holdout, encoding, win, size, modality, seed: deriveSeed(seed, 'control') }) };
    }
    report.images = imageReport({ synthetic: shown.synthetic, memorization: shown.memorization, trainSlices, holdoutCount: holdout.length, total: slices.length, preprocessing, modality, blocked: blocked.length > 0 });
    const mz = shown.memorization;
    log.info(
      `memorization: max NCC to training ${mz.synthetic.max.toFixed(4)} (median ${mz.synthetic.median.toFixed(4)}), threshold ${mz.threshold.toFixed(4)} from held-out; ` +
        `near-copies ${mz.synthetic.nearCopies.length}/${mz.synthetic.nearest.length}; positive control ${mz.positiveControl.similarity.toFixed(4)} ${mz.positiveControl.flagged ? 'flagged' : 'NOT flagged'}`,
    );
    log.info(`fidelity: intensity histogram overlap ${report.images.histogram.overlap.toFixed(3)}; diversity (mean 1−NCC) synthetic ${report.images.diversity.synthetic.toFixed(3)} vs real ${report.images.diversity.real.toFixed(3)}`);
    // Classifier two-sample test, beside the same test on held-out real slices (what "indistinguishable" scores here).
    const c2st = (other: Float32Array[], label: string) =>
      Math.min(train.length, other.length) >= 3 ? imageDetectionC2ST(train, other, { size, seed: deriveSeed(seed, label) }) : undefined;
    const detection = c2st(shown.synthetic.map((v) => normalize(v, win)), 'c2st-synthetic');
    const baseline = c2st(holdout, 'c2st-holdout');
    if (detection) {
      report.images.detection = { synthetic: detection, ...(baseline ? { heldOutReal: baseline } : {}) };
      log.info(
        `fidelity: image C2ST (training vs synthetic) AUC ${detection.auc.toFixed(3)}, score ${detection.score.toFixed(3)}` +
          (baseline ? `; held-out real slices: AUC ${baseline.auc.toFixed(3)}, score ${baseline.score.toFixed(3)}` : ''),
      );
    }
    // KID on the same features, synthetic and held-out real slices each against the training slices.
    const kid = (other: Float32Array[], label: string) => (Math.min(train.length, other.length) >= 2 ? imageKid(train, other, { size, seed: deriveSeed(seed, label) }) : undefined);
    const kidSynthetic = kid(shown.synthetic.map((v) => normalize(v, win)), 'kid-synthetic');
    const kidHeldOut = kid(holdout, 'kid-holdout');
    if (kidSynthetic) {
      report.images.kid = { synthetic: kidSynthetic, ...(kidHeldOut ? { heldOutReal: kidHeldOut } : {}) };
      log.info(`fidelity: image KID (training vs synthetic) ${kidSynthetic.kid.toFixed(4)} ± ${kidSynthetic.std.toFixed(4)}` + (kidHeldOut ? `; held-out real slices: ${kidHeldOut.kid.toFixed(4)} ± ${kidHeldOut.std.toFixed(4)}` : ''));
    }
    // The same two tests with small CNNs trained here (evaluate/image-cnn.ts): a C2ST per fold, and KID on
    // the features of a network trained on the training slices alone (rotation prediction).
    const cnnC2st = (other: Float32Array[], label: string) =>
      Math.min(train.length, other.length) >= 3 ? cnnDetectionC2ST(train, other, { size, seed: deriveSeed(seed, label) }) : undefined;
    const syntheticSlices = shown.synthetic.map((v) => normalize(v, win));
    const cnnSynthetic = await cnnC2st(syntheticSlices, 'cnn-c2st-synthetic');
    const cnnHeldOut = await cnnC2st(holdout, 'cnn-c2st-holdout');
    if (cnnSynthetic) {
      report.images.cnnDetection = { synthetic: cnnSynthetic, ...(cnnHeldOut ? { heldOutReal: cnnHeldOut } : {}) };
      log.info(
        `fidelity: image CNN C2ST (training vs synthetic) AUC ${cnnSynthetic.auc.toFixed(3)}, score ${cnnSynthetic.score.toFixed(3)}` +
          (cnnHeldOut ? `; held-out real slices: AUC ${cnnHeldOut.auc.toFixed(3)}, score ${cnnHeldOut.score.toFixed(3)}` : ''),
      );
    }
    if (Math.min(train.length, syntheticSlices.length) >= 2) {
      const features = await trainSliceFeatures(train, { size, seed: deriveSeed(seed, 'cnn-features') });
      try {
        const kidCnn = (other: Float32Array[], label: string) => (Math.min(train.length, other.length) >= 2 ? cnnKid(features, train, other, { seed: deriveSeed(seed, label) }) : undefined);
        const synthetic = (await kidCnn(syntheticSlices, 'cnn-kid-synthetic'))!;
        const heldOut = await kidCnn(holdout, 'cnn-kid-holdout');
        report.images.cnnKid = { synthetic, ...(heldOut ? { heldOutReal: heldOut } : {}) };
        log.info(
          `fidelity: image KID on CNN features (training vs synthetic) ${synthetic.kid.toFixed(4)} ± ${synthetic.std.toFixed(4)}` +
            (heldOut ? `; held-out real slices: ${heldOut.kid.toFixed(4)} ± ${heldOut.std.toFixed(4)}` : '') +
            ` (feature network's rotation accuracy on training slices ${synthetic.pretextAccuracy.toFixed(3)})`,
        );
      } finally {
        features.dispose();
      }
    }
    // Diversity by MS-SSIM: mean pairwise within the synthetic slices, within the held-out real slices
    // (the baseline) and within the training slices (more pairs than a small held-out set gives).
    // Left out below 11×11 (model.imageSize 8 to 10): its smallest scale needs one 11×11 window.
    const diversity = (set: Float32Array[], label: string) => (msSsimScales(size) > 0 ? msSsimDiversity(set, { size, seed: deriveSeed(seed, label) }) : undefined);
    const msSynthetic = diversity(shown.synthetic.map((v) => normalize(v, win)), 'ms-ssim-synthetic');
    if (msSynthetic) {
      const msHeldOut = diversity(holdout, 'ms-ssim-holdout');
      const msTrain = diversity(train, 'ms-ssim-train');
      report.images.msSsim = { synthetic: msSynthetic, ...(msHeldOut ? { heldOutReal: msHeldOut } : {}), ...(msTrain ? { train: msTrain } : {}) };
      log.info(
        `diversity: mean pairwise MS-SSIM synthetic ${msSynthetic.mean.toFixed(3)}` +
          (msHeldOut ? `; held-out real ${msHeldOut.mean.toFixed(3)}` : '') +
          (msTrain ? `; training ${msTrain.mean.toFixed(3)}` : '') +
          ' (1 = all alike)',
      );
    }
    timings.evaluate = secondsSince(t0);
  }

  // The real-vs-synthetic overview as a file too, for a quick look without the HTML report.
  await writeReport(report, plan.report, opts.renderHtml, log, { extras: (r) => (r.images ? [{ file: 'images.png', data: Buffer.from(r.images.grid.overview.pngBase64, 'base64') }] : []) });
  model?.dispose();
  if (blocked.length) throw new ExportBlockedError(messages.imageExportBlocked(blocked, plan.report && join(plan.report.dir, 'report.json')));
  return report;
}

/** The DICOM series of the source folder that `source.series` selects, with what was left out logged. */
async function readDicomSource(plan: ImagePlan, log: Logger): Promise<DicomSeriesList> {
  const found = await readDicomSeries(plan.source);
  let seriesList = found;
  if (plan.series) {
    const { selected, dropped } = selectSeries(found, plan.series);
    const describe = (s: (typeof found)[number]) => `${s.seriesUid} ${s.modality ?? '?'} "${s.description}" (${s.images.length})`;
    if (selected.length === 0) throw new DicomError(messages.noSeriesSelected(plan.source, found.map(describe).join('; ') || 'none'));
    for (const s of dropped) log.info(`source.series: left out series ${describe(s)}`);
    seriesList = selected;
  }
  const images = seriesList.flatMap((s) => s.images);
  for (const f of seriesList.skipped) log.info(`skipped ${f.reason.startsWith(f.path) ? f.reason : `${f.path}: ${f.reason}`}`);
  if (images.length === 0) throw new DicomError(messages.imageNoPixelData(plan.source, seriesList.skipped.length));
  return seriesList;
}

/**
 * Run the memorization check on synthetic slices (modality units) as they will be exported, with a
 * positive control: a training slice (seeded pick) encoded to DICOM bytes exactly as a synthetic file,
 * read back with our reader, and normalised again, must be flagged.
 */
async function checkMemorization(
  values: Float32Array[],
  ctx: { train: Float32Array[]; holdout: Float32Array[]; encoding: PixelEncoding; win: [number, number]; size: number; modality: string; seed: number },
): Promise<MemorizationResult> {
  const { encoding, win, size } = ctx;
  const synthetic = values.map((v) => normalize(exportedValues(v, encoding), win));
  const controlIndex = createRng(ctx.seed).int(ctx.train.length);
  const controlValues = denormalize(ctx.train[controlIndex]!, win);
  const bytes = buildSyntheticDicom(syntheticImage(controlValues, size, encoding, { window: win }), {
    modality: ctx.modality,
    seriesDescription: 'synthdiff positive control',
    instanceNumber: 1,
    studyInstanceUid: '2.25.1',
    seriesInstanceUid: '2.25.2',
  });
  const reread = displayFromModality((await parseDicom(bytes, 'positive control')).frames[0]!.modality(), encoding);
  const control = normalize(reread, win);
  return assessMemorization({ training: ctx.train, holdout: ctx.holdout, synthetic, control, controlIndex }, { size });
}

/** report.json `model.seriesLabel`: the attribute, and per label (as shown) its training slices (from the model) and held-out slices (this run). */
function seriesLabelReport(sl: SeriesLabels, heldOut: readonly (string | undefined)[]) {
  return {
    attribute: sl.attribute,
    labels: sl.labels.map((label, k) => ({
      label: shownLabel(label, sl.attribute, sl.labels),
      ...(sl.trainSlices ? { trainSlices: sl.trainSlices[k] } : {}),
      heldOutSlices: heldOut.filter((l) => l === label).length,
    })),
  };
}

function thumb(label: string, values: Float32Array, size: number, win: readonly [number, number]): ImageThumb {
  return { label, pngBase64: Buffer.from(encodeGrayPng(size, size, toGray8(values, win[0], win[1]))).toString('base64') };
}

/** Evenly spaced picks of `k` out of `n` indices. */
function spread(n: number, k: number): number[] {
  if (n <= k) return [...Array(n).keys()];
  return Array.from({ length: k }, (_, i) => Math.round((i * (n - 1)) / (k - 1)));
}

function imageReport(d: {
  synthetic: Float32Array[];
  memorization: MemorizationResult;
  trainSlices: PreparedSlice[];
  holdoutCount: number;
  total: number;
  preprocessing: ImagePreprocessing;
  modality: string;
  blocked: boolean;
}): ImageReport {
  const { imageSize: size, window: win } = d.preprocessing;
  const realValues = d.trainSlices.map((s) => s.modality);
  const realPicks = spread(realValues.length, THUMBS);
  const synthPicks = spread(d.synthetic.length, THUMBS);
  const real = realPicks.map((i) => thumb(`train ${i + 1}`, realValues[i]!, size, win));
  const nearestTraining: ImageThumb[] = [];
  const synthetic = synthPicks.map((i) => {
    const m = d.memorization.synthetic.nearest[i]!;
    const t = realValues[m.index]!;
    nearestTraining.push(thumb(`train ${m.index + 1}${m.mirrored ? ' mirrored' : ''}`, m.mirrored ? flipLeftRight(t, size) : t, size, win));
    return thumb(`#${i + 1} NCC ${m.similarity.toFixed(3)}`, d.synthetic[i]!, size, win);
  });
  const gray = (v: Float32Array) => toGray8(v, win[0], win[1]);
  const rows = [...realPicks.map((i) => gray(realValues[i]!)), ...synthPicks.map((i) => gray(d.synthetic[i]!))];
  const tiled = tileGray(rows, { width: size, height: size }, THUMBS);
  return {
    modality: d.modality,
    imageSize: size,
    window: win,
    windowSource: d.preprocessing.windowSource,
    intensityMatch: d.preprocessing.intensityQuantiles ? 'training quantiles, floor by 3×3 box means' : 'none',
    slices: { total: d.total, train: d.trainSlices.length, holdout: d.holdoutCount },
    grid: {
      real,
      synthetic,
      nearestTraining,
      overview: { label: `top: ${real.length} training slices; bottom: ${synthetic.length} synthetic slices (window ${win.map((v) => +v.toFixed(1)).join('–')})`, pngBase64: Buffer.from(encodeGrayPng(tiled.width, tiled.height, tiled.pixels)).toString('base64') },
    },
    histogram: intensityHistograms(realValues, d.synthetic),
    diversity: { definition: 'mean pairwise 1 − NCC within the set', synthetic: meanPairwiseDissimilarity(d.synthetic), real: meanPairwiseDissimilarity(realValues) },
    memorization: d.memorization,
    export: d.blocked || d.memorization.blocked ? { blocked: true, reason: d.memorization.reason } : { blocked: false },
  };
}

/**
 * Synthetic slices (display values) as a NIfTI volume: x = column, y = row, z = slice; voxel size from the
 * model-resolution pixel spacing and the spacing of the planes along their normal (without planes:
 * `sliceSpacing`, else 1 mm); the affine from the first plane (RAS+), or pixdim alone without a geometry.
 * The header carries no text from the source (a source NIfTI's descrip, aux_file and intent_name may
 * name the patient): its description is synthdiff's own line. Voxels are the values the DICOM files would
 * hold (rounded to their stored encoding) as display values: NIfTI has no photometric interpretation and
 * viewers show larger as brighter, so a MONOCHROME1 source's slices stay as the model learned them.
 */
function syntheticVolume(values: Float32Array[], size: number, spacing: [number, number] | undefined, planes: SlicePlane[] | undefined, sliceSpacing?: number): NiftiVolume {
  const data = new Float32Array(size * size * values.length);
  values.forEach((v, k) => data.set(v, k * size * size));
  const [row, column] = spacing ?? [1, 1];
  let slice = sliceSpacing || 1;
  if (planes && planes.length > 1) {
    const [a, b] = [planes[0]!.position, planes[1]!.position];
    slice = Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]) || 1;
  }
  const affine = planes
    ? affineFromDicom(planes[0]!, { row, column, slice }, sliceNormal(planes[0]!.orientation))
    : [[column, 0, 0, 0], [0, row, 0, 0], [0, 0, slice, 0], [0, 0, 0, 1]];
  return { dims: [size, size, values.length], data, pixdim: [column, row, slice], affine, description: 'synthdiff synthetic volume; no patient data' };
}

/** The pseudonym secret a deidentify task names (environment variable or file), or undefined. */
async function readSecret(task: Extract<ImagePlan['tasks'][number], { type: 'deidentify' }>): Promise<{ value: string; source: string } | undefined> {
  const spec = task.secret;
  if (!spec) return undefined;
  if (spec.env !== undefined) {
    const value = process.env[spec.env];
    if (!value) throw new SpecError(messages.deidSecretEnvUnset(task.index, spec.env));
    return { value, source: `environment variable ${spec.env}` };
  }
  let value: string;
  try {
    value = (await readFile(spec.file!, 'utf8')).trim();
  } catch (e) {
    throw new SpecError(messages.deidSecretFileUnreadable(task.index, spec.file!, (e as NodeJS.ErrnoException).code ?? String(e)));
  }
  if (!value) throw new SpecError(messages.deidSecretFileUnreadable(task.index, spec.file!, 'empty'));
  return { value, source: `file ${spec.file}` };
}

/** How far above its lowest the last held-out loss may end and still count as flat: 4 held-out slices move it ~1%. */
const HELD_OUT_FLAT = 0.02;

/** The [step, loss] point of a curve where the loss is lowest (the first such). */
function lowestPoint(curve: readonly [number, number][]): readonly [number, number] {
  return curve.reduce((best, p) => (p[1] < best[1] ? p : best));
}

/**
 * One log line on the held-out loss through training (a non-empty curve): its points, and what where it is
 * lowest says. Lowest at the last point: more `model.steps` would likely help. Ending within HELD_OUT_FLAT of
 * the lowest: flat, more steps would help little. Ending above that: later steps fit the training slices more
 * than new ones (the way towards copies), so more steps would not help.
 */
export function heldOutVerdict(curve: readonly [number, number][]): string {
  const points = curve.map(([s, l]) => `${s} ${l.toFixed(4)}`).join(', ');
  const lowest = lowestPoint(curve);
  const [lastStep, last] = curve.at(-1)!;
  const verdict =
    lowest[0] === lastStep
      ? 'lowest at the last step: more model.steps would likely help'
      : last <= lowest[1] * (1 + HELD_OUT_FLAT)
        ? `lowest at step ${lowest[0]} of ${lastStep} and within ${HELD_OUT_FLAT * 100}% of it since: flat, more model.steps would help little`
        : `lowest at step ${lowest[0]} of ${lastStep}: later steps fit the training slices more than new ones, so more model.steps would not help`;
  return `held-out loss (EMA, fixed σ) during training, by step: ${points}; ${verdict}`;
}

