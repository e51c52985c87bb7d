/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, fonts or network loads) that shows a
 * RunReport — run metadata, a summary card per evaluation area, then the charts and tables behind each.
 *
 * Everything derived from data goes through the `html` tagged template, which escapes interpolations unless
 * they are explicitly `raw` (markup produced here or by ./svg.ts). Output depends only on the report, so the
 * same report always renders to the same string.
 */
import type { ColumnSchema } from '../table/infer.js';
import {
  COLORS,
  esc,
  fmtFixed,
  fmtPercent,
  fmtValue,
  groupedBars,
  groupThousands,
  heatmap,
  histogramOverlay,
  imageGrid,
  metricBars,
  type Series,
} from './svg.js';
import type { ColumnDistribution, DetectionReport, EfficacyReport, EvaluationReport, FidelityReport, ImputationReport, OutlierRecord, OutlierReport, PrivacyReport, RunReport, TaskReport, MergedOutput, MergeReport, ImageRunReport, ImageReport } from './model.js';

// ---------------------------------------------------------------------------------------------------------
// Escaping template

/** Markup that is already safe; everything else interpolated into `html` is escaped. */
class Raw {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const raw = (markup: string): Raw => new Raw(markup);

function part(v: unknown): string {
  if (v instanceof Raw) return v.value;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === undefined || v === null || v === false) return '';
  return esc(v);
}

/** Tagged template: interpolations are escaped unless Raw; arrays are joined; null/undefined/false vanish. */
function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0]!;
  values.forEach((v, i) => (out += part(v) + strings[i + 1]!));
  return raw(out);
}

// ---------------------------------------------------------------------------------------------------------
// Formatting

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const score = (v: number | null | undefined): string => fmtFixed(v, 3);

/** "2026-11-25T19:16:34.860Z" → "2026-11-25 19:16:34 UTC" without locale or timezone lookups (deterministic). */
export function fmtTimestamp(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

export function fmtSeconds(s: number | null | undefined): string {
  if (!isNum(s)) return '—';
  if (s < 60) return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A file path as code, breakable after each slash (inserted after escaping, so it cannot inject). */
const path = (p: string): Raw => html`<code>${raw(esc(p).replace(/\//g, '/<wbr>'))}</code>`;

const fmtCount = (n: number | null | undefined): string => (isNum(n) ? groupThousands(String(Math.round(n))) : '—');

/** Any JSON value for a metadata cell. */
function fmtAny(v: unknown): string {
  if (typeof v === 'number') return fmtValue(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (v === null || v === undefined) return '—';
  return JSON.stringify(v);
}

// ---------------------------------------------------------------------------------------------------------
// Page building blocks

type Tone = 'good' | 'fair' | 'poor' | 'info';

interface Section {
  id: string;
  title: string;
  body: Raw;
}

const AREAS = [
  ['fidelity', 'Fidelity'],
  ['detection', 'Detection'],
  ['privacy', 'Privacy'],
  ['outliers', 'Outliers'],
  ['imputation', 'Imputation'],
  ['efficacy', 'ML efficacy'],
  ['precisionRecall', 'Precision & recall'],
] as const;
type Area = (typeof AREAS)[number][0];

function legend(items: readonly { label: string; color: string }[]): Raw {
  return html`<div class="legend" aria-hidden="true">${items.map((i) => html`<span class="key"><i style="background:${raw(i.color)}"></i>${i.label}</span>`)}</div>`;
}

function figure(svg: string, caption?: string, cls = ''): Raw {
  return html`<figure class="chart ${cls}">${raw(svg)}${caption ? html`<figcaption>${caption}</figcaption>` : ''}</figure>`;
}

function dl(entries: readonly (readonly [string, unknown])[]): Raw {
  return html`<dl class="kv">${entries.filter(([, v]) => v !== undefined).map(([k, v]) => html`<dt>${k}</dt><dd>${v instanceof Raw ? v : fmtAny(v)}</dd>`)}</dl>`;
}

interface Column {
  head: string;
  num?: boolean;
  /** Takes the spare width, so short columns stay together instead of spreading across the page. */
  grow?: boolean;
}

const cellClass = (c: Column | undefined): Raw => raw(c?.num ? ' class="num"' : c?.grow ? ' class="grow"' : '');

function table(columns: readonly Column[], rows: readonly (readonly unknown[])[], caption?: string): Raw {
  return html`<div class="table-wrap"><table class="data">${caption ? html`<caption>${caption}</caption>` : ''}<thead><tr>${columns.map(
    (c) => html`<th${cellClass(c)}>${c.head}</th>`,
  )}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${r.map((cell, i) => html`<td${cellClass(columns[i])}>${cell instanceof Raw ? cell : fmtAny(cell)}</td>`)}</tr>`,
  )}</tbody></table></div>`;
}

// ---------------------------------------------------------------------------------------------------------
// Header

function header(r: RunReport | ImageRunReport): Raw {
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
<div class="card"><h3>Model</h3>${modelSummary(r.model)}</div>
<div class="card"><h3>Timings</h3>${timingRows}</div>
<div class="card"><h3>Versions</h3>${versions}<p class="hash">spec hash <code>${r.specHash}</code></p></div>
</div></div></header>`;
}

function tableData(r: RunReport): Raw {
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
const isImageRun = (r: RunReport | ImageRunReport): r is ImageRunReport => (r as ImageRunReport).kind === 'image';

function imageData(r: ImageRunReport): Raw {
  const d = r.data;
  return dl([
    ['Source', path(d.source)],
    ['Images', `${fmtCount(d.slices)} ${d.modality} slices in ${fmtCount(d.series)} series (${d.sourceRows} × ${d.sourceColumns})`],
    ['Train / held out', `${fmtCount(d.trainSlices)} / ${fmtCount(d.holdoutSlices)}`],
  ]);
}

/** "task1" → "task 1 · impute": the timing keys are positional. */
function timingLabel(key: string, tasks: readonly { type: string }[]): string {
  const m = /^task(\d+)$/.exec(key);
  const t = m ? tasks?.[Number(m[1])] : undefined;
  return m ? `task ${m[1]}${t ? ` · ${t.type}` : ''}` : key;
}

const MODEL_LABELS: Record<string, string> = {
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
};

function modelSummary(model: Record<string, unknown> | undefined): Raw {
  if (!model) return html`<p class="muted">No model: this run only profiled the data.</p>`;
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
  // Image models keep their loss curve ([step, loss] pairs): summarised, not dumped.
  const curve = Array.isArray(m.lossCurve) ? (m.lossCurve as [number, number][]) : [];
  if (curve.length) entries.push(['Loss curve', `${fmtFixed(curve[0]![1], 4)} at step ${curve[0]![0]} → ${fmtFixed(curve.at(-1)![1], 4)} at step ${curve.at(-1)![0]}`]);
  shown.add('lossCurve');
  // Anything the pipeline adds later still shows up, under its own key.
  for (const [k, v] of Object.entries(m)) if (!shown.has(k) && v !== undefined) entries.push([MODEL_LABELS[k] ?? k, v]);
  return dl(entries);
}

// ---------------------------------------------------------------------------------------------------------
// Summary cards

interface Card {
  area: Area;
  /** Section the card links to, when not the area's own (a merge report has one per output). */
  href?: string;
  title: string;
  tone: Tone;
  figures: readonly { value: string; label: string; note?: string }[];
  reading: string;
  definition?: string;
}

function card(c: Card): Raw {
  return html`<article class="card summary tone-${c.tone}"><h3><a href="#${c.href ?? c.area}">${c.title}</a></h3>
<div class="figs">${c.figures.map((f) => html`<div class="fig"><span class="v">${f.value}</span><span class="k">${f.label}</span>${f.note ? html`<span class="n">${f.note}</span>` : ''}</div>`)}</div>
<p class="reading">${c.reading}</p>${c.definition ? html`<p class="def">${c.definition}</p>` : ''}</article>`;
}

function skippedCard(title: string, reason: string): Raw {
  return html`<article class="card summary tone-info skipped"><h3>${title}</h3><p class="reading">Skipped: ${reason}</p></article>`;
}

function fidelityCard(f: FidelityReport): Card {
  const s = f.shapes.score;
  const t = f.trends?.score;
  const hb = f.holdoutBaseline;
  const worst = [...f.shapes.columns].sort((a, b) => a.score - b.score).slice(0, 2);
  let reading: string;
  if (hb && isNum(s) && s > hb.shapes + 0.01) {
    reading = `Synthetic columns match the training data more closely than a fresh real sample does (holdout ${score(hb.shapes)}): a hint of copying — check privacy.`;
  } else if (hb && isNum(s) && s < hb.shapes - 0.01) {
    reading = `Column shapes fall ${score(hb.shapes - s)} short of what a fresh real sample scores; weakest: ${worst.map((w) => `${w.column} (${score(w.score)})`).join(', ')}.`;
  } else if (hb) {
    reading = `Column shapes are as close to the training data as a fresh real sample is.`;
  } else {
    reading = `1 is a perfect match; weakest columns: ${worst.map((w) => `${w.column} (${score(w.score)})`).join(', ')}.`;
  }
  if (hb && isNum(t)) reading += ` Pair trends ${t >= hb.trends - 0.01 ? 'match' : 'trail'} the holdout baseline (${score(hb.trends)}).`;
  const gap = hb ? Math.max(hb.shapes - s, (hb.trends ?? 0) - (t ?? 0)) : 1 - Math.min(s, t ?? 0);
  return {
    area: 'fidelity',
    title: 'Fidelity',
    tone: gap <= 0.02 ? 'good' : gap <= 0.06 ? 'fair' : 'poor',
    figures: [
      { value: score(s), label: 'Column shapes', note: hb ? `holdout ${score(hb.shapes)}` : undefined },
      // Shapes alone hide broken relationships, so trends are always shown next to them.
      { value: score(t), label: 'Column pair trends', note: hb ? `holdout ${score(hb.trends)}` : undefined },
      { value: score(f.quality), label: 'Quality' },
    ],
    reading,
    definition: `${f.shapes.definition}; ${f.trends?.definition ?? 'trends not computed'}.`,
  };
}

/** Plain-language band for a C2ST AUC; 0.5 means the classifier is guessing. */
function detectionCard(d: DetectionReport): Card {
  const auc = d.auc;
  const [tone, words]: [Tone, string] =
    auc <= 0.6 ? ['good', 'can barely tell synthetic rows from real ones'] : auc <= 0.75 ? ['fair', 'tells synthetic rows from real ones some of the time'] : ['poor', 'easily tells synthetic rows from real ones'];
  const hb = d.holdoutBaseline;
  return {
    area: 'detection',
    title: 'Detection',
    tone,
    figures: [
      { value: score(auc), label: 'Classifier AUC', note: `ideal 0.5${hb ? ` · holdout ${score(hb.auc)}` : ''}` },
      { value: score(d.score), label: 'Detection score', note: hb ? `holdout ${score(hb.score)}` : undefined },
    ],
    reading: `A ${d.model} ${words} (AUC ${score(auc)}; 0.5 = indistinguishable${hb ? `, real holdout vs train ${score(hb.auc)}` : ''}).`,
    definition: d.definition,
  };
}

function privacyCard(p: PrivacyReport): Card {
  const share = p.dcrShare;
  const closer = share > 0.55;
  // Exact duplicates happen in real data too (discrete columns); only a rate above the holdout's own counts.
  const copies = p.exactCopyRate > p.holdoutExactCopyRate + 0.002;
  const tone: Tone = share > 0.65 || (copies && p.exactCopyRate > 2 * p.holdoutExactCopyRate + 0.01) ? 'poor' : closer || copies ? 'fair' : 'good';
  const reading =
    (closer
      ? `${fmtPercent(share)} of synthetic rows sit closer to a training row than to any holdout row (ideal 50%): some memorisation.`
      : share < 0.45
        ? `Synthetic rows sit closer to holdout rows than to training rows (${fmtPercent(share)}; ideal 50%): no sign of memorisation.`
        : `Synthetic rows are as close to unseen holdout rows as to training rows (${fmtPercent(share)}; ideal 50%).`) +
    (copies
      ? ` Exact copies of training rows (${fmtPercent(p.exactCopyRate, 2)}) occur more often than the holdout's own rate (${fmtPercent(p.holdoutExactCopyRate, 2)}).`
      : ` Exact copies (${fmtPercent(p.exactCopyRate, 2)}) are no more common than the holdout's own rate (${fmtPercent(p.holdoutExactCopyRate, 2)}).`);
  return {
    area: 'privacy',
    title: 'Privacy',
    tone,
    figures: [
      { value: score(share), label: 'DCR share', note: 'ideal 0.5' },
      { value: fmtPercent(p.exactCopyRate, 2), label: 'Exact copies', note: `holdout ${fmtPercent(p.holdoutExactCopyRate, 2)}` },
      ...(isNum(p.membershipAuc) ? [{ value: score(p.membershipAuc), label: 'Membership AUC', note: 'ideal 0.5' }] : []),
    ],
    reading,
    definition: p.definition,
  };
}

function outlierCard(o: OutlierReport): Card {
  const r = o.summary.real;
  const s = o.summary.synthetic;
  const iqr = (r.quantiles.p75 ?? NaN) - (r.quantiles.p25 ?? NaN);
  let reading = 'Only real rows were scored.';
  let tone: Tone = 'info';
  if (s) {
    // Shift of the mean score in units of the real rows' interquartile range.
    const shift = (s.mean - r.mean) / (iqr > 0 ? iqr : 1);
    tone = Math.abs(shift) < 0.25 ? 'good' : Math.abs(shift) < 0.75 ? 'fair' : 'poor';
    reading =
      Math.abs(shift) < 0.25
        ? 'Synthetic rows are about as typical as real rows.'
        : shift > 0
          ? 'Synthetic rows look more unusual than real rows on average: some generated rows fall off the data manifold.'
          : 'Synthetic rows are more typical than real rows: the tails of the data may be under-represented.';
    reading += ` 99th percentile: real ${score(r.quantiles.p99)}, synthetic ${score(s.quantiles.p99)}.`;
  }
  return {
    area: 'outliers',
    title: 'Outliers',
    tone,
    figures: [{ value: score(r.mean), label: 'Mean score, real' }, ...(s ? [{ value: score(s.mean), label: 'Mean score, synthetic' }] : [])],
    reading,
    definition: o.method,
  };
}

/**
 * Our method's key in the overall records: the pipeline writes `synthdiff`, hand-made reports may say `ours`;
 * failing both, the one key that no column lists as a baseline.
 */
export function splitMethods(rec: Record<string, number>, baselineNames: ReadonlySet<string>): { ours?: string; baselines: string[] } {
  const keys = Object.keys(rec);
  const ours = keys.find((k) => k === 'ours' || k === 'synthdiff') ?? keys.find((k) => !baselineNames.has(k));
  return { ours, baselines: keys.filter((k) => k !== ours) };
}

const baselineNamesOf = (im: ImputationReport): Set<string> => new Set(im.columns.flatMap((c) => Object.keys(c.baselines)));

/** One metric of the overall record compared with every baseline: which ones we beat, and a sentence. */
function compareOverall(rec: Record<string, number>, names: ReadonlySet<string>, lowerBetter: boolean, what: string, metric: string) {
  const { ours, baselines } = splitMethods(rec, names);
  const v = ours === undefined ? undefined : rec[ours];
  if (!isNum(v)) return undefined;
  const beaten = baselines.filter((k) => isNum(rec[k]) && (lowerBetter ? v < rec[k]! : v > rec[k]!));
  const rest = baselines.filter((k) => !beaten.includes(k));
  const sentence = !rest.length
    ? `${what}: ${lowerBetter ? 'lower' : 'higher'} ${metric} than every baseline (${baselines.join(', ')}).`
    : !beaten.length
      ? `${what}: does not beat any baseline (${baselines.join(', ')}) on ${metric}.`
      : `${what}: beats ${beaten.join(', ')} but not ${rest.join(', ')} on ${metric}.`;
  return { value: v, baselines, beaten, sentence, note: baselines.map((k) => `${k} ${score(rec[k])}`).join(' · ') };
}

/** Lower RMSE / higher accuracy: where our imputation stands against each baseline. */
function imputationCard(im: ImputationReport): Card {
  const names = baselineNamesOf(im);
  const rmse = compareOverall(im.overall.rmse, names, true, 'Numeric cells', 'RMSE');
  const acc = compareOverall(im.overall.accuracy, names, false, 'Categorical cells', 'accuracy');
  const parts = [rmse?.sentence, acc?.sentence];
  if (isNum(im.overall.coverage90))
    parts.push(`90% intervals cover ${fmtPercent(im.overall.coverage90)} of hidden values${isNum(im.overall.coverage90Calibrated) ? ` (a calibrated imputer with ${im.draws} draws: ${fmtPercent(im.overall.coverage90Calibrated)})` : ''}.`);
  const total = (rmse?.baselines.length ?? 0) + (acc?.baselines.length ?? 0);
  const wins = (rmse?.beaten.length ?? 0) + (acc?.beaten.length ?? 0);
  return {
    area: 'imputation',
    title: 'Imputation',
    tone: total === 0 ? 'info' : wins === total ? 'good' : wins > 0 ? 'fair' : 'poor',
    figures: [
      ...(rmse ? [{ value: score(rmse.value), label: 'RMSE, ours', note: rmse.note }] : []),
      ...(acc ? [{ value: score(acc.value), label: 'Accuracy, ours', note: acc.note }] : []),
    ],
    reading: parts.filter(Boolean).join(' '),
    definition: `${fmtCount(im.hiddenCells)} cells hidden (${im.mechanism.toUpperCase()}, ${fmtPercent(im.fraction, 0)}), ${im.draws} draw${im.draws === 1 ? '' : 's'}; RMSE on standardized values.`,
  };
}

function efficacyCard(e: EfficacyReport): Card {
  const ratio = e.ratio;
  return {
    area: 'efficacy',
    title: 'ML efficacy',
    tone: ratio >= 0.95 ? 'good' : ratio >= 0.8 ? 'fair' : 'poor',
    figures: [
      { value: score(e.trainOnSynthetic), label: `${e.metric}, train synthetic` },
      { value: score(e.trainOnReal), label: `${e.metric}, train real` },
      { value: score(ratio), label: 'Ratio' },
    ],
    reading: `A model predicting ${e.target} trained on synthetic rows keeps ${fmtPercent(ratio, 0)} of the ${e.metric} of one trained on real rows (both tested on real holdout rows).`,
    definition: `Train on synthetic, test on real (TSTR), ${e.task}.`,
  };
}

function precisionRecallCard(pr: NonNullable<EvaluationReport['precisionRecall']>): Card {
  const p = pr.alphaPrecision;
  const r = pr.betaRecall;
  const pWords = p >= 0.8 ? 'mostly look like plausible real rows' : 'often fall where real rows are rare';
  const rWords = r >= 0.8 ? 'cover most of the variety in the real data' : r >= 0.6 ? 'cover much of the variety in the real data' : 'cover only part of the variety in the real data';
  return {
    area: 'precisionRecall',
    title: 'Precision & recall',
    tone: Math.min(p, r) >= 0.8 ? 'good' : Math.min(p, r) >= 0.6 ? 'fair' : 'poor',
    figures: [
      { value: score(p), label: 'α-precision', note: 'ideal 1' },
      { value: score(r), label: 'β-recall', note: 'ideal 1' },
    ],
    reading: `Synthetic rows ${pWords} (precision) and ${rWords} (recall).`,
    definition: pr.definition,
  };
}

function summary(ev: EvaluationReport): Raw | undefined {
  const skipped = ev.skipped ?? {};
  const cards: Raw[] = [];
  const builders: { [A in Area]: () => Card | undefined } = {
    fidelity: () => ev.fidelity && fidelityCard(ev.fidelity),
    detection: () => ev.detection && detectionCard(ev.detection),
    privacy: () => ev.privacy && privacyCard(ev.privacy),
    outliers: () => ev.outliers && outlierCard(ev.outliers),
    imputation: () => ev.imputation && imputationCard(ev.imputation),
    efficacy: () => ev.efficacy && efficacyCard(ev.efficacy),
    precisionRecall: () => ev.precisionRecall && precisionRecallCard(ev.precisionRecall),
  };
  for (const [area, title] of AREAS) {
    const built = guard(() => builders[area]());
    if (built instanceof Error) cards.push(skippedCard(title, `could not read this section of the report (${built.message})`));
    else if (built) cards.push(card(built));
    else if (skipped[area]) cards.push(skippedCard(title, skipped[area]));
  }
  const known = new Set<string>(AREAS.map(([a]) => a));
  const other = Object.entries(skipped).filter(([k]) => !known.has(k));
  if (!cards.length && !other.length) return undefined;
  return html`<section id="summary"><h2>Summary</h2><div class="cards">${cards}</div>${
    other.length ? html`<ul class="skipped-list">${other.map(([k, v]) => html`<li><strong>${k}</strong> skipped: ${v}</li>`)}</ul>` : ''
  }<p class="muted small">Colour bands on the cards are rules of thumb stated in each reading, not pass/fail thresholds.</p></section>`;
}

/** Run a renderer; a malformed report section becomes a note instead of costing the reader the whole page. */
function guard<T>(f: () => T): T | Error {
  try {
    return f();
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Sections

/** Keep the `max − 1` most frequent categories (real + synthetic) and pool the rest, so bars stay legible. */
export function collapseCategories(d: ColumnDistribution, max = 12): { categories: string[]; real: number[]; synthetic: number[] } {
  const cats = d.categories ?? d.real.map((_, i) => String(i));
  if (cats.length <= max) return { categories: [...cats], real: [...d.real], synthetic: [...d.synthetic] };
  const order = cats.map((_, i) => i).sort((a, b) => (d.real[b] ?? 0) + (d.synthetic[b] ?? 0) - ((d.real[a] ?? 0) + (d.synthetic[a] ?? 0)) || a - b);
  const keep = order.slice(0, max - 1).sort((a, b) => a - b);
  const rest = order.slice(max - 1);
  const sum = (xs: readonly number[]) => rest.reduce((s, i) => s + (xs[i] ?? 0), 0);
  return {
    categories: [...keep.map((i) => cats[i]!), `other (${rest.length})`],
    real: [...keep.map((i) => d.real[i] ?? 0), sum(d.real)],
    synthetic: [...keep.map((i) => d.synthetic[i] ?? 0), sum(d.synthetic)],
  };
}

/** Small-multiple size in SVG units: about the rendered size in a 4-column grid, so text stays ~11 px. */
const SMALL = { width: 300, height: 200 };

function distributionChart(d: ColumnDistribution, shape?: { metric: string; score: number }): string {
  const subtitle = `${d.kind}${shape ? ` · ${shape.metric} ${score(shape.score)}` : ''}`;
  if (d.edges && d.edges.length >= 2) {
    return histogramOverlay({
      title: d.column,
      subtitle,
      edges: d.edges,
      series: [
        { label: 'Real', values: d.real, color: COLORS.real, style: 'bar' },
        { label: 'Synthetic', values: d.synthetic, color: COLORS.synthetic, style: 'step' },
      ],
      legend: false,
      width: SMALL.width,
      height: SMALL.height,
      xScale: d.kind === 'datetime' ? 'time' : 'linear',
    });
  }
  const c = collapseCategories(d, 10);
  return groupedBars({
    title: d.column,
    subtitle,
    groups: c.categories,
    series: [
      { label: 'Real', values: c.real, color: COLORS.real },
      { label: 'Synthetic', values: c.synthetic, color: COLORS.synthetic },
    ],
    normalize: true,
    legend: false,
    width: SMALL.width,
    height: SMALL.height,
  });
}

/** |real − synthetic| per pair; null where either side is undefined. */
export function correlationDifference(real: readonly (readonly (number | null)[])[], synthetic: readonly (readonly (number | null)[])[]): (number | null)[][] {
  return real.map((row, i) => row.map((v, j) => (isNum(v) && isNum(synthetic[i]?.[j]) ? Math.abs(v - synthetic[i]![j]!) : null)));
}

function fidelitySection(f: FidelityReport): Section {
  const hb = f.holdoutBaseline;
  const ref = (v: number | undefined) => (hb && isNum(v) ? { value: v, label: 'holdout baseline' } : undefined);
  const bars = metricBars({
    title: 'Fidelity scores',
    subtitle: 'Synthetic vs train; the tick marks what a real holdout sample scores',
    bars: [
      { label: 'Column shapes', value: f.shapes.score, color: COLORS.synthetic, reference: ref(hb?.shapes) },
      { label: 'Column pair trends', value: f.trends?.score ?? null, color: COLORS.synthetic, reference: ref(hb?.trends) },
      { label: 'Quality', value: f.quality, color: COLORS.synthetic, reference: ref(hb ? (hb.shapes + hb.trends) / 2 : undefined) },
    ],
    width: 520,
  });
  const shapeOf = new Map(f.shapes.columns.map((c) => [c.column, c]));
  const dists = f.distributions.map((d) => figure(distributionChart(d, shapeOf.get(d.column))));

  let corr: Raw = html``;
  if (f.correlation && f.correlation.columns.length >= 2) {
    const { columns, real, synthetic } = f.correlation;
    const diff = correlationDifference(real, synthetic);
    const svg = heatmap({
      title: 'Association difference |real − synthetic|',
      subtitle: 'Pearson r for numeric pairs, Cramér’s V otherwise; 0 = same strength',
      labels: columns,
      values: diff,
      // A 0.3 change in a correlation is already large; a fixed scale keeps runs comparable.
      max: 0.3,
      legendLabel: '|Δ association|',
      cellTip: (i, j) => `real ${fmtFixed(real[i]?.[j], 3)}, synthetic ${fmtFixed(synthetic[i]?.[j], 3)}`,
    });
    corr = figure(svg, undefined, 'natural');
  }
  const worstPairs = [...(f.trends?.pairs ?? [])].sort((a, b) => a.score - b.score).slice(0, 10);
  // ContingencySimilarity pairs carry no real/synthetic value; the association matrix has one for every pair.
  const assoc = (side: 'real' | 'synthetic', a: string, b: string, own: number | undefined): string => {
    if (isNum(own)) return score(own);
    const c = f.correlation;
    const i = c?.columns.indexOf(a) ?? -1;
    const j = c?.columns.indexOf(b) ?? -1;
    return c && i >= 0 && j >= 0 ? score(c[side][i]?.[j]) : '—';
  };
  const pairs = worstPairs.length
    ? table(
        [{ head: 'Column A' }, { head: 'Column B' }, { head: 'Metric' }, { head: 'Score', num: true }, { head: 'Real', num: true }, { head: 'Synth.', num: true }],
        worstPairs.map((p) => [p.a, p.b, p.metric.replace(/Similarity$/, ''), score(p.score), assoc('real', p.a, p.b, p.real), assoc('synthetic', p.a, p.b, p.synthetic)]),
        `Lowest-scoring column pairs (${worstPairs.length} of ${f.trends.pairs.length}); real/synthetic association`,
      )
    : html``;
  return {
    id: 'fidelity',
    title: 'Fidelity',
    body: html`${figure(bars, undefined, 'natural')}
<h3>Column distributions</h3>${legend([
      { label: 'Real (bars)', color: COLORS.real },
      { label: 'Synthetic (line / bars)', color: COLORS.synthetic },
    ])}<p class="muted small">Shares of non-missing rows per bin or category. Subtitles give each column’s shape score (1 = identical).</p>
<div class="grid small-multiples">${dists}</div><h3>Pairwise associations</h3><div class="split">${corr}${pairs}</div>`,
  };
}

function detectionSection(d: DetectionReport): Section {
  const hb = d.holdoutBaseline;
  const bars = metricBars({
    title: 'Classifier two-sample test',
    subtitle: 'Can a classifier tell synthetic rows from real ones?',
    bars: [
      { label: 'AUC', value: d.auc, color: COLORS.synthetic, reference: hb ? { value: hb.auc, label: 'holdout baseline' } : undefined },
      { label: 'Detection score', value: d.score, color: COLORS.synthetic, reference: hb ? { value: hb.score, label: 'holdout baseline' } : undefined },
    ],
    ideal: { value: 0.5, label: 'AUC 0.5 = indistinguishable' },
    width: 520,
  });
  return {
    id: 'detection',
    title: 'Detection',
    body: html`<div class="split">${figure(bars, undefined, 'natural')}${dl([
      ['Classifier', d.model],
      ['Folds', d.folds],
      ['Rows per class', fmtCount(d.rowsPerClass)],
      ['AUC', score(d.auc)],
      ['Score', score(d.score)],
      ...(hb ? ([['Holdout AUC / score', `${score(hb.auc)} / ${score(hb.score)}`]] as const) : []),
      ['Definition', d.definition],
    ])}</div>`,
  };
}

function privacySection(p: PrivacyReport): Section {
  const h = p.dcrHistogram;
  const svg = histogramOverlay({
    title: 'Distance to closest record (DCR) of synthetic rows',
    subtitle: 'Mass at smaller distances to train than to holdout suggests memorisation',
    edges: h.edges,
    series: [
      { label: 'to closest train row', values: h.train, color: COLORS.train, style: 'bar' },
      { label: 'to closest holdout row', values: h.holdout, color: COLORS.holdout, style: 'step' },
    ],
    markers: [
      { value: p.medianDcrTrain, label: 'median, train', color: '#8a3f6e' },
      { value: p.medianDcrHoldout, label: 'median, holdout', color: '#1b6f9e' },
    ],
    xLabel: 'distance',
    width: 640,
    height: 260,
  });
  return {
    id: 'privacy',
    title: 'Privacy',
    body: html`<div class="split">${figure(svg, undefined, 'natural')}${dl([
      ['DCR share', html`<strong>${score(p.dcrShare)}</strong> <span class="muted">(ideal 0.5)</span>`],
      ['Exact copies', `${fmtPercent(p.exactCopyRate, 2)} (holdout’s own rate ${fmtPercent(p.holdoutExactCopyRate, 2)})`],
      ['Median DCR, train / holdout', `${fmtValue(p.medianDcrTrain)} / ${fmtValue(p.medianDcrHoldout)}`],
      ['NNDR median', isNum(p.nndrMedian) ? score(p.nndrMedian) : undefined],
      ['Membership inference AUC', isNum(p.membershipAuc) ? `${score(p.membershipAuc)} (0.5 = no leak)` : undefined],
      ['Definition', p.definition],
    ])}</div>`,
  };
}

function outlierTable(title: string, rows: readonly OutlierRecord[]): Raw {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  const cell = (v: string | number | null | undefined): unknown => (v === null || v === undefined ? html`<span class="missing">NA</span>` : typeof v === 'number' ? fmtValue(v) : v);
  return table(
    [{ head: 'Row', num: true }, { head: 'Score', num: true }, ...keys.map((k) => ({ head: k }))],
    rows.map((r) => [r.row, score(r.score), ...keys.map((k) => cell(r.values[k]))]),
    title,
  );
}

function outlierSection(o: OutlierReport): Section {
  const svg = histogramOverlay({
    title: 'Outlier score distribution',
    subtitle: 'Higher = more unusual',
    edges: o.histogram.edges,
    series: [
      { label: 'Real', values: o.histogram.real, color: COLORS.real, style: 'bar' },
      ...(o.histogram.synthetic ? [{ label: 'Synthetic', values: o.histogram.synthetic, color: COLORS.synthetic, style: 'step' as const }] : []),
    ],
    xLabel: 'score',
    width: 600,
    height: 260,
  });
  const qs = Object.keys(o.summary.real.quantiles);
  const r = o.summary.real;
  const s = o.summary.synthetic;
  // One row per statistic keeps the table narrow enough to sit beside the chart.
  const quant = table(
    [{ head: 'Score' }, { head: 'Real', num: true }, ...(s ? [{ head: 'Synthetic', num: true }] : [])],
    [['mean', score(r.mean), ...(s ? [score(s.mean)] : [])], ...qs.map((q) => [q, score(r.quantiles[q]), ...(s ? [score(s.quantiles[q])] : [])])],
  );
  return {
    id: 'outliers',
    title: 'Outliers',
    body: html`<p class="muted small">${o.method}</p><div class="split">${figure(svg, undefined, 'natural')}${quant}</div>
${o.topReal.length ? outlierTable(`Most unusual real rows (top ${o.topReal.length})`, o.topReal) : ''}
${o.topSynthetic?.length ? outlierTable(`Most unusual synthetic rows (top ${o.topSynthetic.length})`, o.topSynthetic) : ''}`,
  };
}

type ImputationColumn = ImputationReport['columns'][number];
const OURS = 'ours';

/** Ours first in green, then each baseline in a fixed grey. */
function imputationSeries(methods: readonly string[], values: (m: string) => (number | null)[]): Series[] {
  return methods.map((m, i) => ({ label: m === OURS ? 'ours (synthdiff)' : m, values: values(m), color: m === OURS ? COLORS.ours : COLORS.baselines[(i - 1) % COLORS.baselines.length]! }));
}

const columnValue = (c: ImputationColumn, m: string): number | null => (m === OURS ? c.ours : (c.baselines[m] ?? null));

/** Grouped bars for the columns scored by one metric; baselines are those these columns actually have (mean vs mode). */
function imputationChart(cols: readonly ImputationColumn[], title: string, subtitle: string, yMax?: number): Raw {
  const methods = [OURS, ...new Set(cols.flatMap((c) => Object.keys(c.baselines)))];
  return figure(
    groupedBars({
      title,
      subtitle,
      groups: cols.map((c) => c.column),
      series: imputationSeries(methods, (m) => cols.map((c) => columnValue(c, m))),
      yMax,
      width: 480,
      height: 250,
    }),
  );
}

function imputationSection(im: ImputationReport): Section {
  const names = baselineNamesOf(im);
  const rmseCols = im.columns.filter((c) => c.metric === 'rmse');
  const accCols = im.columns.filter((c) => c.metric === 'accuracy');
  const charts = [
    rmseCols.length ? imputationChart(rmseCols, 'Numeric columns: RMSE', 'Standardized values · lower is better') : '',
    accCols.length ? imputationChart(accCols, 'Categorical columns: accuracy', 'Share of hidden cells recovered · higher is better', 1) : '',
  ];
  const o = im.overall;
  const records = [o.rmse, o.mae, o.accuracy];
  const oursKeys = new Set(records.map((r) => splitMethods(r, names).ours).filter((k): k is string => k !== undefined));
  const overallMethods = [...new Set(records.flatMap((r) => Object.keys(r)))].sort((a, b) => Number(oursKeys.has(b)) - Number(oursKeys.has(a)));
  const bestMark = (rec: Record<string, number>, m: string, lowerBetter: boolean): unknown => {
    const vals = Object.values(rec).filter(isNum);
    const v = rec[m];
    if (!isNum(v)) return '—';
    const best = lowerBetter ? Math.min(...vals) : Math.max(...vals);
    return v === best ? html`<strong>${score(v)}</strong>` : score(v);
  };
  const overall = table(
    [{ head: 'Method' }, { head: 'RMSE ↓', num: true }, { head: 'MAE ↓', num: true }, { head: 'Accuracy ↑', num: true }],
    overallMethods.map((m) => [oursKeys.has(m) && m !== OURS ? `${m} (ours)` : m, bestMark(o.rmse, m, true), bestMark(o.mae, m, true), bestMark(o.accuracy, m, false)]),
    'Overall (best in bold)',
  );
  const methods = [OURS, ...names];
  const perColumn = table(
    [{ head: 'Column' }, { head: 'Kind' }, { head: 'Hidden', num: true }, { head: 'Metric' }, ...methods.map((m) => ({ head: m, num: true })), { head: '90% coverage', num: true }],
    im.columns.map((c) => [c.column, c.kind, c.hidden, c.metric, ...methods.map((m) => score(columnValue(c, m))), isNum(c.coverage) ? fmtPercent(c.coverage) : '—']),
    'Per column',
  );
  return {
    id: 'imputation',
    title: 'Imputation',
    body: html`${dl([
      ['Hidden cells', `${fmtCount(im.hiddenCells)} (${im.mechanism.toUpperCase()}, ${fmtPercent(im.fraction, 0)} of observed cells)`],
      ['Draws per cell', im.draws],
      ['90% interval coverage', isNum(o.coverage90) ? fmtPercent(o.coverage90) : undefined],
      ['… if perfectly calibrated', isNum(o.coverage90Calibrated) ? fmtPercent(o.coverage90Calibrated) : undefined],
    ])}<div class="grid wide">${charts.map((c) => (c ? c : ''))}</div><div class="split tables">${overall}${perColumn}</div>`,
  };
}

function efficacySection(e: EfficacyReport): Section {
  const hi = Math.max(1, e.trainOnReal, e.trainOnSynthetic);
  const svg = metricBars({
    title: `Predicting ${e.target} (${e.task})`,
    subtitle: `${e.metric} on real holdout rows`,
    bars: [
      { label: 'Trained on real', value: e.trainOnReal, color: COLORS.real },
      { label: 'Trained on synthetic', value: e.trainOnSynthetic, color: COLORS.synthetic },
    ],
    domain: [0, hi],
    width: 520,
  });
  return {
    id: 'efficacy',
    title: 'ML efficacy',
    body: html`<div class="split">${figure(svg, undefined, 'natural')}${dl([
      ['Target', e.target],
      ['Task', e.task],
      ['Metric', e.metric],
      ['Synthetic / real', html`<strong>${score(e.ratio)}</strong>`],
    ])}</div>`,
  };
}

function precisionRecallSection(pr: NonNullable<EvaluationReport['precisionRecall']>): Section {
  const svg = metricBars({
    title: 'α-precision and β-recall',
    subtitle: 'Fidelity (precision) and diversity (recall) of synthetic rows · 1 is ideal',
    bars: [
      { label: 'α-precision', value: pr.alphaPrecision, color: COLORS.synthetic },
      { label: 'β-recall', value: pr.betaRecall, color: COLORS.synthetic },
    ],
    width: 520,
  });
  return { id: 'precisionRecall', title: 'Precision & recall', body: html`<div class="split">${figure(svg, undefined, 'natural')}<p class="muted small">${pr.definition}</p></div>` };
}

function schemaSummary(c: ColumnSchema): Raw {
  if (c.categories && c.counts) {
    const order = c.categories.map((_, i) => i).sort((a, b) => (c.counts![b] ?? 0) - (c.counts![a] ?? 0) || a - b);
    const top = order.slice(0, 4).map((i) => html`<span class="cat">${c.categories![i]!}</span> ${fmtCount(c.counts![i])}`);
    const more = c.categories.length - 4;
    return html`${top.map((t, i) => html`${i ? ' · ' : ''}${t}`)}${more > 0 ? html` <span class="muted">+${more} more</span>` : ''}`;
  }
  if (c.kind === 'datetime') return html`${isNum(c.min) ? new Date(c.min).toISOString().slice(0, 10) : '—'} – ${isNum(c.max) ? new Date(c.max).toISOString().slice(0, 10) : '—'}`;
  const range = `${fmtValue(c.min)} – ${fmtValue(c.max)}`;
  return html`${range}${isNum(c.mean) ? `; mean ${fmtValue(c.mean)}` : ''}${isNum(c.std) ? ` ± ${fmtValue(c.std)}` : ''}${c.possiblyCategorical ? html` <span class="tag">codes?</span>` : ''}`;
}

function schemaSection(r: RunReport): Section {
  const s = r.data.schema;
  return {
    id: 'schema',
    title: 'Schema',
    body: table(
      [{ head: 'Column' }, { head: 'Kind' }, { head: 'Missing', num: true }, { head: 'Distinct', num: true }, { head: 'Values', grow: true }],
      s.columns.map((c) => [html`<strong>${c.name}</strong>`, html`<span class="kind kind-${c.kind}">${c.kind}</span>`, c.missing ? `${fmtCount(c.missing)} (${fmtPercent(c.missing / Math.max(1, s.nRows))})` : '0', fmtCount(c.distinct), schemaSummary(c)]),
      `${s.columns.length} columns, ${fmtCount(s.nRows)} rows`,
    ),
  };
}

/** camelCase key → "camel case" for labels. */
const words = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();

function tasksSection(r: RunReport | ImageRunReport): Section | undefined {
  if (!r.tasks?.length) return undefined;
  const details = (t: TaskReport | ImageRunReport['tasks'][number]) =>
    Object.entries(t)
      .filter(([k, v]) => !['type', 'output', 'rows', 'files', 'seconds'].includes(k) && v !== undefined)
      .map(([k, v]) => `${words(k)}: ${fmtAny(v)}`)
      .join(' · ');
  return {
    id: 'tasks',
    title: 'Tasks and outputs',
    body: table(
      [{ head: '#', num: true }, { head: 'Task' }, { head: 'Output' }, { head: isImageRun(r) ? 'Files' : 'Rows', num: true }, { head: 'Time', num: true }, { head: 'Details', grow: true }],
      (r.tasks as (TaskReport | ImageRunReport['tasks'][number])[]).map((t, i) => [i, html`<strong>${t.type}</strong>`, path(t.output), fmtCount((isImageRun(r) ? t.files : t.rows) as number), fmtSeconds(t.seconds), details(t)]),
    ),
  };
}

function skippedSection(id: Area, title: string, reason: string): Section {
  return { id, title, body: html`<p class="skipped-note">Skipped: ${reason}</p>` };
}

function evaluationSections(ev: EvaluationReport): Section[] {
  const skipped = ev.skipped ?? {};
  const renderers: { [A in Area]: () => Section | undefined } = {
    fidelity: () => ev.fidelity && fidelitySection(ev.fidelity),
    detection: () => ev.detection && detectionSection(ev.detection),
    privacy: () => ev.privacy && privacySection(ev.privacy),
    outliers: () => ev.outliers && outlierSection(ev.outliers),
    imputation: () => ev.imputation && imputationSection(ev.imputation),
    efficacy: () => ev.efficacy && efficacySection(ev.efficacy),
    precisionRecall: () => ev.precisionRecall && precisionRecallSection(ev.precisionRecall),
  };
  const out: Section[] = [];
  for (const [area, title] of AREAS) {
    const s = guard(() => renderers[area]());
    if (s instanceof Error) out.push({ id: area, title, body: html`<p class="skipped-note">Could not render this section: ${s.message}</p>` });
    else if (s) out.push(s);
    else if (skipped[area]) out.push(skippedSection(area, title, skipped[area]));
  }
  return out;
}

function sectionHtml(s: Section): Raw {
  return html`<section id="${s.id}"><h2>${s.title}</h2>${s.body}</section>`;
}

// ---------------------------------------------------------------------------------------------------------
// Page

const CSS = `
:root{--real:${COLORS.real};--syn:${COLORS.synthetic};--ink:#1f2328;--muted:#656d76;--line:#d8dee4;--soft:#eef1f4;--bg:#f6f8fa;--card:#fff;--accent:#0b5cad;--good:#1a7f37;--fair:#bf8700;--poor:#cf222e;--info:#8c959f;color-scheme:light}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;color:var(--ink);background:var(--bg)}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;background:var(--soft);padding:1px 5px;border-radius:4px;overflow-wrap:anywhere}
.wrap{max-width:1240px;margin:0 auto;padding:0 24px}
header.top{background:var(--card);border-bottom:1px solid var(--line);padding:22px 0 20px}
.eyebrow{margin:0;text-transform:uppercase;letter-spacing:.08em;font-size:11px;font-weight:600;color:var(--muted)}
.title-row{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:12px 24px;margin:2px 0 4px}
h1{font-size:28px;line-height:1.2;margin:0;font-weight:700;letter-spacing:-.01em}
.backend{display:inline-flex;align-items:center;gap:10px;padding:8px 14px;border-radius:10px;background:var(--accent);color:#fff;font-size:15px}
.backend .backend-k{font-size:11px;text-transform:uppercase;letter-spacing:.08em;opacity:.8}
.backend .backend-dev{font-size:11px;font-weight:700;padding:2px 7px;border-radius:999px;background:rgba(255,255,255,.2)}
.backend.none{background:var(--soft);color:var(--ink)}
.run-meta{display:flex;flex-wrap:wrap;gap:4px 18px;margin:6px 0 16px;color:var(--muted)}
.meta{display:grid;grid-template-columns:repeat(auto-fit,minmax(250px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px}
.card h3{margin:0 0 8px;font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.card h3 a{color:inherit;text-decoration:none}
.hash{margin:8px 0 0;font-size:12px;color:var(--muted)}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:0;font-size:13px}
dl.kv dt{color:var(--muted)}
dl.kv dd{margin:0;font-variant-numeric:tabular-nums;min-width:0;overflow-wrap:anywhere}
nav.toc{position:sticky;top:0;z-index:2;background:rgba(255,255,255,.94);border-bottom:1px solid var(--line);backdrop-filter:blur(6px)}
nav.toc .wrap{display:flex;flex-wrap:wrap;gap:2px 4px;padding-top:6px;padding-bottom:6px}
nav.toc a{color:var(--ink);text-decoration:none;font-size:13px;padding:3px 9px;border-radius:6px}
nav.toc a:hover{background:var(--soft)}
main{padding-bottom:48px}
section{margin-top:32px;scroll-margin-top:48px}
section h2{font-size:20px;margin:0 0 14px;padding-bottom:6px;border-bottom:1px solid var(--line)}
section h3{font-size:15px;margin:22px 0 8px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px}
.card.summary{border-top:4px solid var(--info);display:flex;flex-direction:column}
.tone-good{border-top-color:var(--good)!important}.tone-fair{border-top-color:var(--fair)!important}.tone-poor{border-top-color:var(--poor)!important}
.figs{display:flex;flex-wrap:wrap;gap:6px 22px;margin-bottom:6px}
.fig{display:flex;flex-direction:column;min-width:0}
.fig .v{font-size:24px;font-weight:650;line-height:1.15;font-variant-numeric:tabular-nums}
.fig .k{font-size:12px;color:var(--ink)}
.fig .n{font-size:11px;color:var(--muted)}
.reading{margin:4px 0 6px}
.def{margin:auto 0 0;font-size:11.5px;color:var(--muted)}
.muted{color:var(--muted)}.small{font-size:12.5px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:4px 0 6px;font-size:13px}
.legend .key{display:inline-flex;align-items:center;gap:6px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px}
.grid{display:grid;gap:12px}
.small-multiples{grid-template-columns:repeat(auto-fill,minmax(270px,1fr))}
.grid.wide{grid-template-columns:repeat(auto-fit,minmax(380px,1fr));margin-top:12px}
figure.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 6px 4px;min-width:0}
figure.chart .chart-svg{display:block;width:100%;height:auto}
figure.chart.natural{display:inline-block;max-width:100%;vertical-align:top}
figure.chart.natural .chart-svg{width:auto;max-width:100%}
figcaption{font-size:12px;color:var(--muted);padding:2px 6px}
.split{display:flex;flex-wrap:wrap;gap:16px 28px;align-items:flex-start}
.split>dl.kv,.split>p{flex:1 1 260px;max-width:560px;margin-top:8px}
.split>.table-wrap{flex:1 1 300px;max-width:640px;margin:0}
.split.tables{margin-top:12px}
.split.tables>.table-wrap:first-child{flex:1 1 280px;max-width:440px}
.split.tables>.table-wrap:last-child{flex:3 1 560px;max-width:none}
.table-wrap{overflow-x:auto;margin:12px 0;background:var(--card);border:1px solid var(--line);border-radius:8px}
table.data{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
table.data caption{text-align:left;font-weight:600;padding:8px 10px 4px;font-size:13px}
table.data th{text-align:left;font-weight:600;color:var(--muted);border-bottom:1px solid var(--line);padding:6px 10px;white-space:nowrap;font-size:12px}
table.data td{border-top:1px solid var(--soft);padding:5px 10px;vertical-align:top}
table.data .num{text-align:right}
table.data .grow{width:45%}
table.data tbody tr:hover{background:#fafbfc}
.missing{color:var(--muted);font-style:italic}
.kind{font-size:12px;padding:1px 7px;border-radius:999px;background:var(--soft)}
.kind-categorical,.kind-boolean{background:#fff1d6}.kind-numeric,.kind-integer{background:#dcecf9}.kind-datetime{background:#e6f4ea}
.tag{font-size:11px;padding:0 5px;border-radius:4px;border:1px solid var(--line);color:var(--muted)}
.cat{font-weight:600}
.skipped-note,.skipped .reading{color:var(--muted);font-style:italic}
.skipped-list{color:var(--muted);font-size:13px}
footer{color:var(--muted);font-size:12px;padding:24px 0 32px;border-top:1px solid var(--line);margin-top:32px}
@media (max-width:640px){.wrap{padding:0 12px}h1{font-size:22px}.fig .v{font-size:20px}}
@media print{
  @page{margin:12mm}
  body{background:#fff;font-size:11.5px}
  nav.toc{display:none}
  header.top{border:0;padding-top:0}
  .backend{border:1px solid #000;background:#fff!important;color:#000}
  .backend .backend-dev{background:#eee}
  section{break-before:auto;margin-top:18px}
  section h2{break-after:avoid}
  .card,figure.chart,.table-wrap,tr{break-inside:avoid}
  .small-multiples{grid-template-columns:repeat(3,1fr)}
  .table-wrap{overflow:visible;border-color:#ccc}
  a{color:inherit;text-decoration:none}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}`;

// ---------------------------------------------------------------------------------------------------------
// Images (DICOM pipelines)

function imagesSection(img: ImageReport): Section {
  const mz = img.memorization;
  const cell = { columns: 8, cellSize: 112 };
  const gate = img.export.blocked
    ? html`<p class="skipped-note"><strong>Export blocked:</strong> ${img.export.reason ?? 'see the memorization figures'}</p>`
    : html`<p>Export allowed: no synthetic slice is a near-copy of a training slice.</p>`;
  const h = img.histogram;
  return {
    id: 'images',
    title: 'Images',
    body: html`${gate}
${figure(imageGrid(img.grid.real, { title: 'Training slices (real)', ...cell }))}
${figure(imageGrid(img.grid.synthetic, { title: 'Synthetic slices, with NCC to the nearest training slice', ...cell }))}
${figure(imageGrid(img.grid.nearestTraining, { title: 'Nearest training slice of each synthetic slice', ...cell }))}
${figure(
  histogramOverlay({
    title: 'Intensity histogram',
    subtitle: `overlap ${fmtFixed(h.overlap, 3)} (1 − TV distance)`,
    edges: h.edges,
    series: [
      { label: 'Real', values: h.real, color: COLORS.real, style: 'bar' },
      { label: 'Synthetic', values: h.synthetic, color: COLORS.synthetic, style: 'step' },
    ],
    xLabel: `${img.modality} intensity (modality units)`,
    width: 880,
    height: 240,
  }),
  h.definition,
)}
<div class="card"><h3>Memorization</h3>${dl([
      ['Max NCC to training', fmtFixed(mz.synthetic.max, 4)],
      ['Median NCC to training', fmtFixed(mz.synthetic.median, 4)],
      ['Near-copy threshold', fmtFixed(mz.threshold, 4)],
      ['Held-out reference h', fmtFixed(mz.calibration.reference, 4)],
      ['Near-copies', `${mz.synthetic.nearCopies.length} of ${mz.synthetic.nearest.length} (limit ${fmtPercent(mz.maxNearCopyRate, 0)})`],
      ['Positive control', `${fmtFixed(mz.positiveControl.similarity, 4)} — ${mz.positiveControl.flagged ? 'flagged, as it must be' : 'NOT flagged: the check is not trustworthy'}`],
      ['Rule', mz.calibration.rule],
      ['Diversity (mean 1 − NCC)', `synthetic ${fmtFixed(img.diversity.synthetic, 3)}, real ${fmtFixed(img.diversity.real, 3)}`],
      ['Window', `${img.window.map((v) => fmtValue(v)).join(' – ')} (${img.windowSource}), ${img.imageSize}² pixels`],
    ])}<p class="def">${mz.definition}</p></div>`,
  };
}

/** A report read back from disk may hold anything; each section renderer is guarded against malformed parts. */
function evaluationOf(r: RunReport | ImageRunReport): EvaluationReport {
  const ev = isImageRun(r) ? undefined : r.evaluation;
  return ev && typeof ev === 'object' ? ev : {};
}

/** Render a run report as one self-contained HTML page. Pure: same report, same string. */
export function renderReportHtml(report: RunReport | ImageRunReport): string {
  const ev = evaluationOf(report);
  const summaryBlock = summary(ev);
  const run = (id: string, title: string, f: () => Section | undefined): Section | undefined => {
    const s = guard(f);
    return s instanceof Error ? { id, title, body: html`<p class="skipped-note">Could not render this section: ${s.message}</p>` } : s;
  };
  const images = isImageRun(report) ? report.images : undefined;
  const sections = [
    ...(images ? [run('images', 'Images', () => imagesSection(images))] : []),
    ...evaluationSections(ev),
    ...(isImageRun(report) ? [] : [run('schema', 'Schema', () => schemaSection(report))]),
    run('tasks', 'Tasks and outputs', () => tasksSection(report)),
  ].filter(
    (s): s is Section => s !== undefined,
  );
  const nav = [...(summaryBlock ? [{ id: 'summary', title: 'Summary' }] : []), ...sections];
  const noEval = images || (!isImageRun(report) && report.evaluation) ? '' : html`<p class="skipped-note">This run has no evaluation section.</p>`;
  return pageHtml({
    title: `${report.name} · synthdiff report`,
    generator: report.synthdiff,
    header: header(report),
    nav,
    main: html`${noEval}${summaryBlock ?? ''}
${sections.map(sectionHtml)}`,
    footer: html`Generated by synthdiff ${report.synthdiff} from run “${report.name}” (spec ${report.specHash.slice(0, 12)}, seed ${report.seed}, started ${fmtTimestamp(report.startedAt)}). Self-contained: no scripts, fonts or network resources.`,
  });
}

/** The page around a report's header and sections: inline CSS, a section index, no scripts. */
function pageHtml(p: { title: string; generator: string; header: Raw; nav: readonly { id: string; title: string }[]; main: Raw; footer: Raw }): string {
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="generator" content="synthdiff ${p.generator}">
<title>${p.title}</title>
<style>${raw(CSS)}</style>
</head>
<body>
${p.header}
<nav class="toc" aria-label="Sections"><div class="wrap">${p.nav.map((s) => html`<a href="#${s.id}">${s.title}</a>`)}</div></nav>
<main class="wrap">
${p.main}
<footer>${p.footer}</footer>
</main>
</body>
</html>
`;
  return page.value;
}

/**
 * merge.html: a sharded run's merged outputs. Generate tasks graded from merged statistics get the run
 * report's fidelity views (summary card, scores against the holdout baseline, per-column distributions,
 * association heatmap); every output lists its merged column summaries.
 */
export function renderMergeHtml(m: MergeReport): string {
  const sections: Section[] = [];
  const cards: Raw[] = [];
  // One summary card and one section per evaluated area of an output, linked by id.
  const area = (id: string, title: string, build: () => { card: Card; section: Section }, prefix?: Raw): void => {
    const b = guard(build);
    if (b instanceof Error) {
      cards.push(skippedCard(title, b.message));
      sections.push({ id, title, body: html`<p class="skipped-note">Could not render this section: ${b.message}</p>` });
      return;
    }
    cards.push(card({ ...b.card, href: id, title }));
    sections.push({ id, title, body: html`${prefix ?? ''}${b.section.body}` });
  };
  for (const o of m.outputs) {
    const label = `tasks[${o.task}] ${o.type}`;
    if (o.fidelity) {
      const f = o.fidelity;
      const ranges = f.shapes.columns.filter((x) => x.range && x.range[1] - x.range[0] > 0);
      const note = html`<p class="muted small">Computed from the shards' merged statistics, not by reading the rows: TVComplement and pair trends are exact;
KSComplement is evaluated at the histogram edges${ranges.length ? html` — for ${ranges.length} column${ranges.length > 1 ? 's' : ''} the exact value lies in [${fmtFixed(f.shapes.range[0], 4)}, ${fmtFixed(f.shapes.range[1], 4)}] on average` : ' and is exact here'}.
Continuous columns are binned on the training range for both tables in pair trends.${f.trends.skipped ? ` ${f.trends.skipped} pairs with a many-label column are not counted.` : ''}</p>`;
      area(`fidelity-${o.task}`, `Fidelity · ${label}`, () => ({ card: fidelityCard(f), section: fidelitySection(f) }), note);
    } else if (o.type === 'generate') {
      cards.push(skippedCard(`Fidelity · ${label}`, o.fidelityNote ?? 'not computed'));
    }
    const p = o.privacy;
    if (p) area(`privacy-${o.task}`, `Privacy · ${label}`, () => ({ card: privacyCard(p), section: privacySection(p) }));
    sections.push({ id: `output-${o.task}`, title: `Output · ${label}`, body: mergedSummary(o) });
  }
  const head = html`<header class="top"><div class="wrap">
<p class="eyebrow">synthdiff merge report</p>
<div class="title-row"><h1>${m.name}</h1></div>
<p class="run-meta"><span>${fmtTimestamp(m.mergedAt)}</span><span title="${m.specHash}">spec <code>${m.specHash.slice(0, 12)}</code></span></p>
<div class="meta"><div class="card"><h3>Outputs</h3>${dl(m.outputs.map((o) => [`tasks[${o.task}] ${o.type}`, html`${fmtCount(o.rows)} rows from ${o.shards} shard${o.shards > 1 ? 's' : ''} → ${path(o.output)}`] as const))}</div></div>
</div></header>`;
  const summaryBlock = cards.length ? html`<section id="summary"><h2>Summary</h2><div class="cards">${cards}</div></section>` : html``;
  return pageHtml({
    title: `${m.name} · synthdiff merge report`,
    generator: 'merge',
    header: head,
    nav: [...(cards.length ? [{ id: 'summary', title: 'Summary' }] : []), ...sections],
    main: html`${summaryBlock}${sections.map(sectionHtml)}`,
    footer: html`Generated by synthdiff merge from “${m.name}” (spec ${m.specHash.slice(0, 12)}, merged ${fmtTimestamp(m.mergedAt)}). Self-contained: no scripts, fonts or network resources.`,
  });
}

function mergedSummary(o: MergedOutput): Raw {
  const rows = o.summary.columns.map((c) =>
    c.kind === 'continuous'
      ? [c.name, 'continuous', fmtCount(c.n), fmtCount(c.missing), fmtValue(c.mean), fmtValue(c.sd), `${fmtValue(c.min)} – ${fmtValue(c.max)}`]
      : [c.name, 'categorical', fmtCount(c.n), fmtCount(c.missing), '—', '—', `${Object.keys(c.frequencies).length} labels`],
  );
  return table(
    [{ head: 'Column' }, { head: 'Kind' }, { head: 'Observed', num: true }, { head: 'Missing', num: true }, { head: 'Mean', num: true }, { head: 'SD', num: true }, { head: 'Range / labels' }],
    rows,
    `${fmtCount(o.rows)} rows merged from ${o.shards} shard${o.shards > 1 ? 's' : ''}; statistics in ${o.statsFile}`,
  );
}
