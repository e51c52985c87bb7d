/** The page header of a run report: name, backend, data, model and timings. */
import { fmtFixed, fmtPercent } from '../svg.js';
import type { RunReport, ImageRunReport } from '../model.js';
import { Raw, html, isNum, fmtTimestamp, fmtSeconds, path, fmtCount, fmtAny, dl } from './core.js';

export function header(r: RunReport | ImageRunReport): Raw {
  const backend = r.backend
    ? html`<div class="backend" title="tfjs backend used for training and sampling"><span class="backend-k">Backend</span><strong>${r.backend.detail}</strong><span class="backend-dev">${r.backend.device.toUpperCase()}</span></div>`
    : html`<div class="backend none"><span class="backend-k">Backend</span><strong>none (no model in this run)</strong></div>`;
  const data = isImageRun(r) ? imageData(r) : tableData(r);
  const timings = Object.entries(r.timings ?? {});
  const total = timings.reduce((s, [, v]) => s + (isNum(v) ? v : 0), 0);
  const timingRows = dl([...timings.map(([k, v]) => [timingLabel(k, r.tasks), fmtSeconds(v)] as const), ['Total', html`<strong>${fmtSeconds(total)}</strong>`]]);
  const versions = dl([['synthdiff', r.synthdiff], ...Object.entries(r.versions ?? {})]);
  return html`<header class="top"><div class="wrap">
<p class="eyebrow">synthdiff report</p>
<div class="title-row"><h1>${r.name}</h1>${backend}</div>
<p class="run-meta"><span>${fmtTimestamp(r.startedAt)}</span><span>seed <strong>${r.seed}</strong></span><span title="${r.specHash}">spec <code>${r.specHash.slice(0, 12)}</code></span>${r.specFile ? html`<span><code>${r.specFile}</code></span>` : ''}</p>
<div class="meta">
<div class="card"><h3>Data</h3>${data}</div>
<div class="card"><h3>Model</h3>${modelSummary(r.model, !isImageRun(r) && r.generator !== undefined)}</div>
${!isImageRun(r) && r.generator ? html`<div class="card"><h3>Generator</h3>${generatorSummary(r.generator)}</div>` : ''}
<div class="card"><h3>Timings</h3>${timingRows}</div>
<div class="card"><h3>Versions</h3>${versions}<p class="hash">spec hash <code>${r.specHash}</code></p></div>
</div></div></header>`;
}

export function tableData(r: RunReport): Raw {
  const d = r.data;
  return dl([
    ['Source', path(d.source)],
    ['Rows × columns', `${fmtCount(d.rows)} × ${fmtCount(d.columns)}`],
    ['Train / holdout', `${fmtCount(d.trainRows)} / ${fmtCount(d.holdoutRows)}`],
    ['Missing cells', `${fmtCount(d.missingCells)}${d.rows && d.columns ? ` (${fmtPercent(d.missingCells / (d.rows * d.columns))})` : ''}`],
    ['Dropped', d.dropped?.length ? d.dropped.join(', ') : 'none'],
  ]);
}

/** Image runs (report.kind = 'image') describe slices rather than rows. */
export const isImageRun = (r: RunReport | ImageRunReport): r is ImageRunReport => (r as ImageRunReport).kind === 'image';

export function imageData(r: ImageRunReport): Raw {
  const d = r.data;
  return dl([
    ['Source', path(d.source)],
    ['Images', `${fmtCount(d.slices)} ${d.modality} slices in ${fmtCount(d.series)} series (${d.sourceRows} × ${d.sourceColumns})`],
    ['Train / held out', `${fmtCount(d.trainSlices)} / ${fmtCount(d.holdoutSlices)}`],
  ]);
}

/** "task1" → "task 1 · impute": the timing keys are positional. */
export function timingLabel(key: string, tasks: readonly { type: string }[]): string {
  const m = /^task(\d+)$/.exec(key);
  const t = m ? tasks?.[Number(m[1])] : undefined;
  return m ? `task ${m[1]}${t ? ` · ${t.type}` : ''}` : key;
}

export const MODEL_LABELS: Record<string, string> = {
  kind: 'Kind',
  width: 'Width',
  depth: 'Depth',
  encodedDims: 'Encoded dims',
  steps: 'Training steps',
  batchSize: 'Batch size',
  bestValLoss: 'Best val. loss',
  trainSeconds: 'Train time',
  stepsPerSecond: 'Steps / s',
  sampler: 'Sampler',
  samplerSteps: 'Sampler steps',
  checkpoint: 'Checkpoint',
  sizeChosenBy: 'Size chosen by',
  stepsChosenBy: 'Steps chosen by',
  stoppedBy: 'Training stopped by',
  timeBudgetMinutes: 'Time budget (min)',
};

export function modelSummary(model: Record<string, unknown> | undefined, generated = false): Raw {
  if (!model) return html`<p class="muted">${generated ? 'No diffusion model: no task needed one (the generate tasks ran on the trees engine).' : 'No model: this run only profiled the data.'}</p>`;
  const m = model;
  const entries: [string, unknown][] = [];
  if (m.kind !== undefined) entries.push(['Kind', m.kind]);
  if (isNum(m.depth) && isNum(m.width)) entries.push(['Network', `${m.depth} × ${m.width} MLP${isNum(m.encodedDims) ? `, ${m.encodedDims} encoded dims` : ''}`]);
  const shown = new Set(['kind', ...(isNum(m.depth) && isNum(m.width) ? ['depth', 'width', 'encodedDims'] : [])]);
  if (isNum(m.steps)) {
    entries.push(['Training', `${fmtCount(m.steps)} steps${isNum(m.batchSize) ? ` × batch ${m.batchSize}` : ''}${isNum(m.stepsPerSecond) ? ` (${m.stepsPerSecond} steps/s)` : ''}`]);
    ['steps', 'batchSize', 'stepsPerSecond'].forEach((k) => shown.add(k));
  }
  if (isNum(m.bestValLoss)) entries.push(['Best val. loss', fmtFixed(m.bestValLoss, 4)]);
  if (isNum(m.trainSeconds)) entries.push(['Train time', fmtSeconds(m.trainSeconds)]);
  if (m.sampler !== undefined) entries.push(['Sampler', `${fmtAny(m.sampler)}${isNum(m.samplerSteps) ? `, ${m.samplerSteps} steps` : ''}`]);
  ['bestValLoss', 'trainSeconds', 'sampler', 'samplerSteps'].forEach((k) => shown.add(k));
  if (typeof m.checkpoint === 'string') entries.push(['Checkpoint', path(m.checkpoint)]);
  shown.add('checkpoint');
  // A model trained with differential privacy: the guarantee first, then how it was reached.
  const dp = m.privacy as Record<string, unknown> | undefined;
  if (dp && isNum(dp.epsilon) && isNum(dp.delta)) {
    const enc = dp.encoder as Record<string, unknown> | undefined;
    entries.push(['Differential privacy', `(ε = ${dp.epsilon}, δ = ${dp.delta.toExponential(2)})${isNum(dp.epsilonSpent) ? `, ε spent ${fmtFixed(dp.epsilonSpent, 3)}` : ''}`]);
    entries.push(['DP-SGD', `noise multiplier ${isNum(dp.noiseMultiplier) ? fmtFixed(dp.noiseMultiplier, 3) : '?'}, Poisson sampling rate ${isNum(dp.sampleRate) ? fmtFixed(dp.sampleRate, 4) : '?'}, ${isNum(dp.steps) ? fmtCount(dp.steps) : '?'} steps, clip norm ${fmtAny(dp.clip)}`]);
    entries.push(['Accountant', fmtAny(dp.accountant)]);
    if (enc) entries.push(['DP encoders', `${fmtAny(enc.histograms)} noisy histograms, noise std ${isNum(enc.noiseStd) ? fmtFixed(enc.noiseStd, 1) : '?'} rows (ε ${isNum(enc.epsilon) ? fmtFixed(enc.epsilon, 3) : '?'} on their own)`]);
    if (typeof dp.covers === 'string') entries.push(['DP covers', dp.covers]);
  }
  shown.add('privacy');
  // Image models keep their loss curve ([step, loss] pairs): summarised, not dumped.
  const curve = Array.isArray(m.lossCurve) ? (m.lossCurve as [number, number][]) : [];
  if (curve.length) entries.push(['Loss curve', `${fmtFixed(curve[0]![1], 4)} at step ${curve[0]![0]} → ${fmtFixed(curve.at(-1)![1], 4)} at step ${curve.at(-1)![0]}`]);
  shown.add('lossCurve');
  // And the held-out slices' loss through training: where it was lowest says whether more steps would help.
  const held = Array.isArray(m.holdoutLossCurve) ? (m.holdoutLossCurve as [number, number][]) : [];
  if (held.length && isNum(m.holdoutLossLowestAt)) {
    const low = held.find(([step]) => step === m.holdoutLossLowestAt);
    entries.push(['Held-out loss curve', `${held.map(([step, l]) => `${fmtFixed(l, 4)} at ${step}`).join(', ')}; lowest${low ? ` (${fmtFixed(low[1], 4)})` : ''} at step ${m.holdoutLossLowestAt}`]);
  }
  ['holdoutLossCurve', 'holdoutLossLowestAt'].forEach((k) => shown.add(k));
  // A labelled image model (model.seriesLabel): each label with its training and held-out slices.
  const sl = m.seriesLabel as { attribute: string; labels: { label: string; trainSlices?: number; heldOutSlices: number }[] } | undefined;
  if (sl?.labels) {
    entries.push(['Series labels', `${sl.attribute}: ${sl.labels.map((l) => `"${l.label}" (${l.trainSlices ?? '?'} training, ${l.heldOutSlices} held-out slices)`).join('; ')}`]);
    shown.add('seriesLabel');
  }
  // Anything the pipeline adds later still shows up, under its own key.
  for (const [k, v] of Object.entries(m)) if (!shown.has(k) && v !== undefined) entries.push([MODEL_LABELS[k] ?? k, v]);
  return dl(entries);
}

/** Which engine each generate task ran and why (report.json `generator`), with the CART leaf's validation. */
export function generatorSummary(g: Record<string, unknown>): Raw {
  const entries: [string, unknown][] = [];
  const engines = (g.engines ?? {}) as Record<string, string>;
  for (const [task, engine] of Object.entries(engines)) entries.push([task, engine]);
  if (typeof g.why === 'string') entries.push(['Why', g.why]);
  const trees = g.trees as { minLeaf?: number; validation?: { trials?: { minLeaf: number; dcrShare: number; detection: number }[] }; dependencies?: string[] } | undefined;
  if (trees) {
    if (isNum(trees.minLeaf)) entries.push(['CART leaf', `${trees.minLeaf} rows`]);
    const trials = trees.validation?.trials ?? [];
    if (trials.length) entries.push(['Validation (leaf: DCR share / detection)', trials.map((t) => `${t.minLeaf}: ${fmtFixed(t.dcrShare, 3)} / ${fmtFixed(t.detection, 3)}`).join('; ')]);
    if (trees.dependencies?.length) entries.push(['Rules kept', trees.dependencies.join(', ')]);
  }
  const panel = g.panel as { key?: string; time?: string; validation?: { matchedShare: number; bar: number; dcrShare: number; detection: number } } | undefined;
  if (panel?.validation) {
    const v = panel.validation;
    entries.push(['Panel', `${panel.key} × ${panel.time}`]);
    entries.push(['Panel validation', `detection ${fmtFixed(v.detection, 3)}; matched-time share ${fmtFixed(v.matchedShare, 3)} (bar ${fmtFixed(v.bar, 3)}); nearest-row DCR share ${fmtFixed(v.dcrShare, 3)}`]);
  }
  return dl(entries);
}
