/** Validity: synthetic values inside the real ranges, labels the real data shows, combinations of dependent columns it pairs. */
import { COLORS, fmtPercent, fmtValue, metricBars } from '../../svg.js';
import type { ValidityReport } from '../../model.js';
import { html, isNum, fmtCount, figure, table, type Section, type Card, type Area } from '../core.js';

/** A real bound: dates as days, other numbers as data values. */
const bound = (v: number, kind: string): string => (kind === 'datetime' && isNum(v) ? new Date(v).toISOString().slice(0, 10) : fmtValue(v));

/** Shares sort with null (nothing observed) last. */
const byShare = <T extends { share: number | null }>(xs: readonly T[]): T[] => [...xs].sort((a, b) => (isNum(a.share) ? a.share : 2) - (isNum(b.share) ? b.share : 2));

/** Lowest share over every column, and the share of rows with a never-seen combination. */
function worst(v: ValidityReport): { column?: string; share: number } {
  const all = [...v.ranges, ...v.categories].filter((c) => isNum(c.share));
  const w = byShare(all)[0];
  return w ? { column: w.column, share: w.share } : { share: 1 };
}

export function validityCard(v: ValidityReport): Card {
  const w = worst(v);
  const combos = isNum(v.unseenCombinationShare) ? v.unseenCombinationShare : 0;
  const out = v.ranges.reduce((s, r) => s + r.below + r.above, 0);
  const unseen = v.categories.reduce((s, c) => s + c.unseen, 0);
  const parts: string[] = [];
  if (out) parts.push(`${fmtCount(out)} value(s) outside the real range`);
  if (unseen) parts.push(`${fmtCount(unseen)} label(s) the real data never shows`);
  if (v.unseenCombinationRows) parts.push(`${fmtCount(v.unseenCombinationRows)} row(s) pairing dependent columns as no real row does`);
  const reading = parts.length
    ? `${parts.join('; ')}${w.column && w.share < 1 ? `; lowest adherence: ${w.column} (${fmtPercent(w.share)})` : ''}.`
    : `Every synthetic value lies in its real range, every label occurs in the real data${v.dependencies.length ? ', and dependent columns pair only as in the real data' : ''}.`;
  return {
    area: 'validity',
    title: 'Validity',
    tone: w.share >= 0.99 && combos === 0 ? 'good' : w.share >= 0.95 && combos <= 0.01 ? 'fair' : 'poor',
    figures: [
      { value: fmtPercent(w.share), label: 'Lowest column adherence', note: 'ideal 100%' },
      { value: fmtCount(v.unseenCombinationRows), label: 'Never-seen combinations', note: `rows, of ${fmtCount(v.syntheticRows)} · ${v.dependencies.length} dependencies` },
    ],
    reading,
    definition: v.definition,
  };
}

export function validitySection(v: ValidityReport): Section {
  const columns = byShare([...v.ranges, ...v.categories]);
  const shown = columns.slice(0, 20);
  const bars = shown.length
    ? figure(
        metricBars({
          title: 'Adherence per column',
          subtitle: `Share of synthetic values in the real range (numeric) or among real labels (categorical) · lowest first${columns.length > shown.length ? ` · ${shown.length} of ${columns.length}` : ''}`,
          bars: shown.map((c) => ({ label: c.column, value: c.share, color: COLORS.synthetic })),
          format: (x) => fmtPercent(x),
          width: 520,
        }),
        undefined,
        'natural',
      )
    : html``;
  const ranges = v.ranges.length
    ? table(
        [{ head: 'Column' }, { head: 'Real min', num: true }, { head: 'Real max', num: true }, { head: 'In range', num: true }, { head: 'Below', num: true }, { head: 'Above', num: true }],
        byShare(v.ranges).map((r) => [r.column, bound(r.min, r.kind), bound(r.max, r.kind), fmtPercent(r.share), fmtCount(r.below), fmtCount(r.above)]),
        'Numeric and date columns: synthetic values inside the real [min, max]',
      )
    : html``;
  const cats = v.categories.length
    ? table(
        [{ head: 'Column' }, { head: 'Real labels', num: true }, { head: 'Never-seen', num: true }, { head: 'Examples', grow: true }],
        byShare(v.categories).map((c) => [c.column, fmtPercent(c.share), fmtCount(c.unseen), c.unseenLabels.join(', ') || '—']),
        'Categorical columns: synthetic labels that occur in the real column',
      )
    : html``;
  const deps = v.dependencies.length
    ? table(
        [{ head: 'Determines' }, { head: 'Column' }, { head: 'Rows breaking it', num: true }],
        [...v.dependencies].sort((a, b) => b.rows - a.rows).map((d) => [d.from, d.to, fmtCount(d.rows)]),
        `Functional dependencies in the real data (A → B): ${fmtCount(v.unseenCombinationRows)} synthetic row(s) of ${fmtCount(v.syntheticRows)} pair levels as no real row does`,
      )
    : html`<p class="muted small">No functional dependencies between discrete columns in the real data, so no combination check.</p>`;
  return {
    id: 'validity',
    title: 'Validity',
    body: html`${bars}<div class="split">${ranges}${cats}</div>${deps}<p class="muted small">${v.definition}.</p>`,
  };
}

export const validityArea: Area<ValidityReport> = { id: 'validity', title: 'Validity', card: validityCard, section: validitySection };
