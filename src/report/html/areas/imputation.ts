/** Imputation: hidden cells filled by the model against mean/mode and kNN baselines. */
import { COLORS, fmtPercent, groupedBars, type Series } from '../../svg.js';
import type { ImputationReport } from '../../model.js';
import { Raw, html, isNum, score, fmtCount, figure, dl, table, type Section, type Card, type Area } from '../core.js';

/**
 * Our method's key in the overall records: the pipeline writes `synthdiff`, hand-made reports may say `ours`;
 * failing both, the one key that no column lists as a baseline.
 */
export function splitMethods(rec: Record<string, number>, baselineNames: ReadonlySet<string>): { ours?: string; baselines: string[] } {
  const keys = Object.keys(rec);
  const ours = keys.find((k) => k === 'ours' || k === 'synthdiff') ?? keys.find((k) => !baselineNames.has(k));
  return { ours, baselines: keys.filter((k) => k !== ours) };
}

export const baselineNamesOf = (im: ImputationReport): Set<string> => new Set(im.columns.flatMap((c) => Object.keys(c.baselines)));

/** One metric of the overall record compared with every baseline: which ones we beat, and a sentence. */
export function compareOverall(rec: Record<string, number>, names: ReadonlySet<string>, lowerBetter: boolean, what: string, metric: string) {
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
export function imputationCard(im: ImputationReport): Card {
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

export type ImputationColumn = ImputationReport['columns'][number];
export const OURS = 'ours';

/** Ours first in green, then each baseline in a fixed grey. */
export function imputationSeries(methods: readonly string[], values: (m: string) => (number | null)[]): Series[] {
  return methods.map((m, i) => ({ label: m === OURS ? 'ours (synthdiff)' : m, values: values(m), color: m === OURS ? COLORS.ours : COLORS.baselines[(i - 1) % COLORS.baselines.length]! }));
}

export const columnValue = (c: ImputationColumn, m: string): number | null => (m === OURS ? c.ours : (c.baselines[m] ?? null));

/** Grouped bars for the columns scored by one metric; baselines are those these columns actually have (mean vs mode). */
export function imputationChart(cols: readonly ImputationColumn[], title: string, subtitle: string, yMax?: number): Raw {
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

export function imputationSection(im: ImputationReport): Section {
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

export const imputationArea: Area<ImputationReport> = { id: 'imputation', title: 'Imputation', card: imputationCard, section: imputationSection };
