/**
 * Static SVG chart helpers for report.html. Every helper is a pure function from data to an SVG string:
 * no DOM, no ids (so many charts can share one page and the output is byte-for-byte deterministic), no
 * external references. Text arguments are raw strings; the helpers escape them, so callers must not.
 *
 * SVG is written without `xmlns`: it is meant to be inlined in HTML, where the parser supplies the
 * namespace, and leaving it out keeps the page free of any `http://` string.
 */

/** Real vs synthetic keep these two colours everywhere (Okabe–Ito blue/orange: distinguishable with colour-vision deficiency). */
export const COLORS = {
  real: '#0072B2',
  synthetic: '#E69F00',
  /** Our model in comparisons against baselines. */
  ours: '#009E73',
  baselines: ['#8c8c8c', '#5a5a5a', '#bdbdbd', '#3d3d3d'],
  /** DCR: distances of synthetic rows to train vs to holdout rows. */
  train: '#CC79A7',
  holdout: '#56B4E9',
  ink: '#1f2328',
  muted: '#656d76',
  grid: '#e6e8eb',
  axis: '#8c959f',
} as const;

const FONT = 11;
const TITLE_FONT = 13;
/** Average glyph width as a share of font size for the system UI fonts: only used to decide truncation/rotation. */
const CHAR_W = 0.58;

// ---------------------------------------------------------------------------------------------------------
// Text and number formatting

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML/SVG element content and double- or single-quoted attributes. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Shorten to `max` characters with an ellipsis; applied before escaping so entities are never cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Fixed decimals, or an em dash for null/NaN/Infinity (JSON turns NaN into null). */
export function fmtFixed(v: number | null | undefined, digits = 3): string {
  return isNum(v) ? v.toFixed(digits) : '—';
}

/** Thousands separators without locale data, so output is identical on every machine. */
export function groupThousands(intText: string): string {
  return intText.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A data value for tables: integers in full, others to 4 significant digits (whole numbers past 1000). */
export function fmtValue(v: number | null | undefined): string {
  if (!isNum(v)) return '—';
  if (Number.isInteger(v) || Math.abs(v) >= 1000) {
    const r = Math.round(v);
    return Math.abs(r) >= 10000 ? groupThousands(String(r)) : String(r);
  }
  return String(Number(v.toPrecision(4)));
}

export function fmtPercent(v: number | null | undefined, digits = 1): string {
  return isNum(v) ? `${(v * 100).toFixed(digits)}%` : '—';
}

/** Decimals needed to tell ticks `step` apart. */
function stepDecimals(step: number): number {
  return Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
}

/** Tick label: compact suffixes for big numbers, just enough decimals for the tick step. */
export function fmtTick(v: number, step: number): string {
  const a = Math.abs(v);
  if (a >= 1e6 && step >= 1e5) return `${trimZeros((v / 1e6).toFixed(stepDecimals(step / 1e6)))}M`;
  if (a >= 1e4 && step >= 1e3) return `${trimZeros((v / 1e3).toFixed(stepDecimals(step / 1e3)))}k`;
  return (Object.is(v, -0) ? 0 : v).toFixed(stepDecimals(step));
}

const trimZeros = (s: string): string => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);

/** Round-number ticks (1, 2, 5 × 10^k) covering [lo, hi] with about `count` intervals. */
export function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; step: number } {
  if (!(hi > lo)) return { ticks: [lo], step: 1 };
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  const dec = stepDecimals(step) + 1;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toFixed(dec)));
  return { ticks, step };
}

/**
 * Ticks for a log10 axis over [lo, hi] (0 < lo < hi): powers of ten, every k-th decade when more than
 * `count` would crowd the axis; 2× and 5× marks when the range spans less than two decades.
 */
export function logTicks(lo: number, hi: number, count = 5): number[] {
  const e0 = Math.ceil(Math.log10(lo) - 1e-9), e1 = Math.floor(Math.log10(hi) + 1e-9);
  const decades = e1 - e0 + 1;
  if (decades < 2) {
    const out: number[] = [];
    for (let e = e0 - 1; e <= e1; e++) for (const m of [1, 2, 5]) out.push(Number((m * 10 ** e).toPrecision(12)));
    return out.filter((t) => t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9));
  }
  const k = Math.max(1, Math.ceil(decades / Math.max(1, count)));
  const out: number[] = [];
  for (let e = Math.ceil(e0 / k) * k; e <= e1; e += k) out.push(Number((10 ** e).toPrecision(12)));
  return out;
}

/** A log-axis tick: 1k, 10M, 1B; small values in full. */
export function fmtLogTick(v: number): string {
  const a = Math.abs(v);
  for (const [s, u] of [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']] as const) if (a >= s) return `${trimZeros(String(Number((v / s).toPrecision(3))))}${u}`;
  return String(Number(v.toPrecision(3)));
}

const DAY = 86_400_000;

/**
 * Calendar ticks for an epoch-ms axis (UTC): whole years, months or days with a 1-2-5-style step, labelled
 * at that resolution — niceTicks on raw milliseconds would land on arbitrary dates.
 */
export function timeTicks(lo: number, hi: number, count = 5): { ticks: number[]; label: (v: number) => string } {
  const span = hi - lo;
  const iso = (v: number) => new Date(v).toISOString();
  const y0 = new Date(lo).getUTCFullYear();
  const y1 = new Date(hi).getUTCFullYear();
  if (span >= 2 * 365 * DAY) {
    const step = [1, 2, 5, 10, 20, 50, 100].find((k) => (y1 - y0) / k <= count) ?? 100;
    const ticks: number[] = [];
    for (let y = Math.ceil(y0 / step) * step; y <= y1; y += step) if (Date.UTC(y, 0, 1) >= lo) ticks.push(Date.UTC(y, 0, 1));
    return { ticks, label: (v) => iso(v).slice(0, 4) };
  }
  if (span >= 60 * DAY) {
    const months = (y1 - y0) * 12 + new Date(hi).getUTCMonth() - new Date(lo).getUTCMonth();
    const step = [1, 2, 3, 6].find((k) => months / k <= count) ?? 12;
    const ticks: number[] = [];
    for (let m = new Date(lo).getUTCMonth() + 1; ; m++) {
      const t = Date.UTC(y0, m, 1);
      if (t > hi) break;
      if ((new Date(t).getUTCMonth() % step) === 0) ticks.push(t);
    }
    return { ticks, label: (v) => iso(v).slice(0, 7) };
  }
  if (span >= 2 * DAY) {
    const { ticks } = niceTicks(Math.ceil(lo / DAY), Math.floor(hi / DAY), count);
    return { ticks: ticks.map((d) => d * DAY), label: (v) => iso(v).slice(0, 10) };
  }
  return { ticks: niceTicks(lo, hi, count).ticks, label: (v) => iso(v).slice(0, 16).replace('T', ' ') };
}

/** A date for tooltips at the resolution that the bin width calls for. */
function fmtDate(v: number, binWidth: number): string {
  const iso = new Date(v).toISOString();
  return binWidth >= DAY ? iso.slice(0, 10) : iso.slice(0, 16).replace('T', ' ');
}

/** Upper end of an axis that starts at zero: the first nice tick at or above `max` (≥ a tiny positive value). */
function niceMax(max: number, count = 4): number {
  const m = max > 0 ? max : 1;
  const { ticks, step } = niceTicks(0, m, count);
  const last = ticks[ticks.length - 1]!;
  return last >= m - 1e-12 ? last : last + step;
}

const n2 = (v: number): string => String(Math.round(v * 10) / 10);

// ---------------------------------------------------------------------------------------------------------
// Shared frame, legend and axes

export interface LegendItem {
  label: string;
  color: string;
  /** How the series is drawn, so the swatch matches. */
  style?: 'bar' | 'step' | 'marker' | 'dash';
}

interface Frame {
  width: number;
  height: number;
  title: string;
  subtitle?: string;
  /** Read by screen readers after the title. */
  desc: string;
  body: string;
}

/** Outer <svg> with an accessible name (<title> first child), a visible title and an optional subtitle. */
function frame(f: Frame): string {
  const sub = f.subtitle
    ? `<text x="8" y="${TITLE_FONT + 20}" font-size="${FONT}" fill="${COLORS.muted}">${esc(truncate(f.subtitle, Math.floor((f.width - 16) / (FONT * CHAR_W))))}</text>`
    : '';
  return (
    `<svg class="chart-svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" font-family="inherit">` +
    `<title>${esc(f.title)}</title><desc>${esc(f.desc)}</desc>` +
    `<text x="8" y="${TITLE_FONT + 3}" font-size="${TITLE_FONT}" font-weight="600" fill="${COLORS.ink}">${esc(truncate(f.title, Math.floor((f.width - 16) / (TITLE_FONT * CHAR_W))))}</text>` +
    sub +
    f.body +
    `</svg>`
  );
}

/** Top offset of the plot area: title, optional subtitle, optional legend row. */
function headerHeight(subtitle: boolean, legend: boolean): number {
  return TITLE_FONT + 18 + (subtitle ? 15 : 0) + (legend ? 18 : 0);
}

function swatch(item: LegendItem, x: number, y: number): string {
  const c = item.color;
  switch (item.style ?? 'bar') {
    case 'step':
      return `<path d="M${x} ${y + 8}h4v-6h6v6h4" fill="none" stroke="${c}" stroke-width="2"/>`;
    case 'marker':
      return `<rect x="${x + 6}" y="${y}" width="2.5" height="11" fill="${c}"/>`;
    case 'dash':
      return `<line x1="${x + 7}" x2="${x + 7}" y1="${y}" y2="${y + 11}" stroke="${c}" stroke-width="1.5" stroke-dasharray="3 2"/>`;
    default:
      return `<rect x="${x}" y="${y + 1}" width="12" height="10" rx="2" fill="${c}"/>`;
  }
}

/** One row of legend entries; positions come from estimated text widths. */
function legendRow(items: readonly LegendItem[], x0: number, y: number): string {
  let x = x0;
  return items
    .map((it) => {
      const label = truncate(it.label, 40);
      const out = `<g>${swatch(it, x, y)}<text x="${x + 17}" y="${y + 10}" font-size="${FONT}" fill="${COLORS.ink}">${esc(label)}</text></g>`;
      x += 30 + [...label].length * FONT * 0.56;
      return out;
    })
    .join('');
}

interface Plot {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Horizontal grid lines and left-axis tick labels for a linear y scale starting at 0. */
function yAxis(p: Plot, yMax: number, format: (v: number, step: number) => string, label?: string): string {
  const { ticks, step } = niceTicks(0, yMax, 4);
  const y = (v: number) => p.top + p.height - (v / yMax) * p.height;
  const lines = ticks
    .map(
      (t) =>
        `<line x1="${p.left}" x2="${p.left + p.width}" y1="${n2(y(t))}" y2="${n2(y(t))}" stroke="${t === 0 ? COLORS.axis : COLORS.grid}" stroke-width="1"/>` +
        `<text x="${p.left - 5}" y="${n2(y(t) + 3.5)}" font-size="${FONT - 1}" text-anchor="end" fill="${COLORS.muted}">${esc(format(t, step))}</text>`,
    )
    .join('');
  const title = label
    ? `<text transform="translate(11 ${n2(p.top + p.height / 2)}) rotate(-90)" font-size="${FONT - 1}" text-anchor="middle" fill="${COLORS.muted}">${esc(label)}</text>`
    : '';
  return lines + title;
}

/** Bottom axis for a linear x scale; `time` treats values as epoch milliseconds. */
function xAxisLinear(p: Plot, lo: number, hi: number, format: (v: number, step: number) => string, label?: string, time = false, fixed?: number[]): string {
  const count = Math.max(2, Math.floor(p.width / (time ? 75 : 55)));
  const nice = niceTicks(lo, hi, count);
  const cal = time ? timeTicks(lo, hi, count) : undefined;
  const ticks = fixed ?? (cal ? cal.ticks : nice.ticks);
  const step = nice.step;
  if (cal) format = cal.label;
  const x = (v: number) => p.left + ((v - lo) / (hi - lo)) * p.width;
  const base = p.top + p.height;
  const marks = ticks
    .filter((t) => t >= lo - 1e-9 && t <= hi + 1e-9)
    .map(
      (t) =>
        `<line x1="${n2(x(t))}" x2="${n2(x(t))}" y1="${base}" y2="${base + 4}" stroke="${COLORS.axis}"/>` +
        `<text x="${n2(x(t))}" y="${base + 15}" font-size="${FONT - 1}" text-anchor="middle" fill="${COLORS.muted}">${esc(format(t, step))}</text>`,
    )
    .join('');
  const title = label ? `<text x="${n2(p.left + p.width / 2)}" y="${base + 30}" font-size="${FONT - 1}" text-anchor="middle" fill="${COLORS.muted}">${esc(label)}</text>` : '';
  return `<line x1="${p.left}" x2="${p.left + p.width}" y1="${base}" y2="${base}" stroke="${COLORS.axis}"/>` + marks + title;
}

const percentTick = (v: number, step: number): string => `${(v * 100).toFixed(Math.max(0, stepDecimals(step * 100)))}%`;

/** Series values as shares of the series total (so tables of different sizes compare); null counts as 0. */
function shares(values: readonly (number | null)[]): number[] {
  const total = values.reduce<number>((s, v) => s + (isNum(v) ? v : 0), 0);
  return values.map((v) => (isNum(v) && total > 0 ? v / total : 0));
}

// ---------------------------------------------------------------------------------------------------------
// Histogram overlay

export interface Series {
  label: string;
  values: readonly (number | null)[];
  color: string;
  /** `bar`: filled translucent bars; `step`: outline only, so it stays readable on top of bars. */
  style?: 'bar' | 'step';
}

export interface HistogramOptions {
  title: string;
  subtitle?: string;
  /** Shared bin edges (length = values + 1). */
  edges: readonly number[];
  series: readonly Series[];
  /** Plot each series as a share of its own total (default), or as raw counts. */
  normalize?: boolean;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** `time`: edges are epoch milliseconds (datetime columns), ticked and labelled as UTC dates; `log`: a log10 axis (edges > 0). */
  xScale?: 'linear' | 'time' | 'log';
  legend?: boolean;
  /** Vertical reference lines, e.g. medians. */
  markers?: readonly { value: number; label: string; color: string }[];
}

/**
 * Histograms of several series over shared bin edges, overlaid (real as bars, synthetic as a step line by
 * convention). Each bin carries a hover tooltip with every series' value.
 */
export function histogramOverlay(o: HistogramOptions): string {
  const width = o.width ?? 360;
  const height = o.height ?? 220;
  const legend = o.legend ?? true;
  const normalize = o.normalize ?? true;
  const nBins = Math.max(0, o.edges.length - 1);
  let lo = o.edges[0] ?? 0;
  let hi = o.edges[nBins] ?? 1;
  // A constant column has one degenerate bin: widen the axis and tick only the value itself.
  const constant = hi > lo ? undefined : [lo];
  if (constant) [lo, hi] = [lo - 0.5, lo + 0.5];
  const series = o.series.map((s) => ({ ...s, plotted: normalize ? shares(s.values) : s.values.map((v) => (isNum(v) ? v : 0)) }));
  const yMax = niceMax(Math.max(0, ...series.flatMap((s) => s.plotted)));
  const top = headerHeight(Boolean(o.subtitle), legend);
  const p: Plot = { left: o.yLabel ? 52 : 42, top, width: 0, height: height - top - (o.xLabel ? 40 : 24) };
  p.width = width - p.left - 12;
  // A log axis is a linear axis over log10 of the values; it needs a positive range.
  const log = o.xScale === 'log' && !constant && lo > 0;
  const tx = (v: number) => (log ? Math.log10(v) : v);
  const x = (v: number) => p.left + ((tx(Math.min(hi, Math.max(lo, v))) - tx(lo)) / (tx(hi) - tx(lo))) * p.width;
  const y = (v: number) => p.top + p.height - (v / yMax) * p.height;
  const edgeX = (i: number) => (nBins === 1 && !(o.edges[1]! > o.edges[0]!) ? (i === 0 ? p.left : p.left + p.width) : x(o.edges[i]!));

  const drawn = series
    .map((s) => {
      if (s.style === 'step') {
        let d = `M${n2(edgeX(0))} ${n2(y(0))}`;
        for (let i = 0; i < nBins; i++) d += `V${n2(y(s.plotted[i] ?? 0))}H${n2(edgeX(i + 1))}`;
        d += `V${n2(y(0))}`;
        return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"/>`;
      }
      const bars = s.plotted
        .slice(0, nBins)
        .map((v, i) => {
          const x0 = edgeX(i) + 0.5;
          const w = Math.max(0.5, edgeX(i + 1) - edgeX(i) - 1);
          return `<rect x="${n2(x0)}" y="${n2(y(v))}" width="${n2(w)}" height="${n2(y(0) - y(v))}"/>`;
        })
        .join('');
      return `<g fill="${s.color}" fill-opacity="0.55">${bars}</g>`;
    })
    .join('');

  const time = o.xScale === 'time';
  // Bin ranges in tooltips need more precision than axis ticks.
  const fEdge = (v: number) => (time ? fmtDate(v, (hi - lo) / Math.max(1, nBins)) : fmtValue(v));
  const binTip = (i: number) => {
    const range = `${fEdge(o.edges[i]!)} – ${fEdge(o.edges[i + 1]!)}`;
    const vals = series.map((s) => `${s.label}: ${normalize ? fmtPercent(s.plotted[i]) : fmtValue(s.plotted[i])}`).join(', ');
    return `${range} — ${vals}`;
  };
  const hits = Array.from({ length: nBins }, (_, i) => `<rect x="${n2(edgeX(i))}" y="${p.top}" width="${n2(Math.max(0.5, edgeX(i + 1) - edgeX(i)))}" height="${p.height}" fill="transparent"><title>${esc(binTip(i))}</title></rect>`).join('');

  const markers = (o.markers ?? [])
    .filter((m) => isNum(m.value))
    .map((m) => `<line x1="${n2(x(m.value))}" x2="${n2(x(m.value))}" y1="${p.top}" y2="${p.top + p.height}" stroke="${m.color}" stroke-width="1.5" stroke-dasharray="4 3"><title>${esc(`${m.label}: ${fmtValue(m.value)}`)}</title></line>`)
    .join('');

  const legendItems: LegendItem[] = [...o.series.map((s) => ({ label: s.label, color: s.color, style: s.style ?? 'bar' })), ...(o.markers ?? []).map((m) => ({ label: m.label, color: m.color, style: 'dash' as const }))];
  const body =
    (legend ? legendRow(legendItems, p.left, top - 18) : '') +
    yAxis(p, yMax, normalize ? percentTick : fmtTick, o.yLabel) +
    drawn +
    markers +
    (log
      ? xAxisLinear(p, tx(lo), tx(hi), (e) => fmtLogTick(10 ** e), o.xLabel, false, logTicks(lo, hi, Math.max(2, Math.floor(p.width / 45))).map(tx))
      : xAxisLinear(p, lo, hi, constant ? (v) => fmtValue(v) : fmtTick, o.xLabel, time, constant)) +
    hits;
  const desc = `Histogram over ${nBins}${log ? ' log-spaced' : ''} bins from ${fEdge(lo)} to ${fEdge(hi)} comparing ${o.series.map((s) => s.label).join(' and ')}${normalize ? ' as shares of rows' : ''}.`;
  return frame({ width, height, title: o.title, subtitle: o.subtitle, desc, body });
}

// ---------------------------------------------------------------------------------------------------------
// Grouped bars

export interface GroupedBarOptions {
  title: string;
  subtitle?: string;
  /** Category or column labels along x. */
  groups: readonly string[];
  series: readonly Series[];
  /** Plot each series as a share of its own total (category frequencies), default false. */
  normalize?: boolean;
  /** Fixed y range top (e.g. 1 for accuracy); default: a nice value above the data. */
  yMax?: number;
  yLabel?: string;
  formatY?: (v: number, step: number) => string;
  width?: number;
  height?: number;
  legend?: boolean;
}

/** Side-by-side bars per group; long or many labels are rotated so they never overlap. */
export function groupedBars(o: GroupedBarOptions): string {
  const width = o.width ?? 360;
  const height = o.height ?? 220;
  const legend = o.legend ?? true;
  const normalize = o.normalize ?? false;
  const nG = Math.max(1, o.groups.length);
  const nS = Math.max(1, o.series.length);
  const series = o.series.map((s) => ({ ...s, plotted: normalize ? shares(s.values) : s.values.map((v) => (isNum(v) ? v : null)) }));
  const dataMax = Math.max(0, ...series.flatMap((s) => s.plotted.filter(isNum)));
  const yMax = o.yMax ?? niceMax(dataMax);
  const top = headerHeight(Boolean(o.subtitle), legend);
  const left = o.yLabel ? 52 : 42;
  const plotW = width - left - 12;
  const band = plotW / nG;
  const fits = Math.floor(band / (FONT * CHAR_W));
  const rotate = o.groups.some((g) => [...g].length > fits);
  // Rotated labels hang left of their bar: keep the first one inside the left margin.
  const labelMax = rotate ? Math.max(4, Math.min(14, Math.floor((left + band / 2) / ((FONT - 1) * CHAR_W * 0.77)))) : fits;
  const longest = Math.min(labelMax, Math.max(1, ...o.groups.map((g) => [...g].length)));
  const bottom = rotate ? 14 + longest * FONT * CHAR_W * 0.72 : 24;
  const p: Plot = { left, top, width: plotW, height: height - top - bottom };
  const y = (v: number) => p.top + p.height - (Math.min(v, yMax) / yMax) * p.height;
  const inner = band * 0.78;
  const barW = inner / nS;
  const fmtY = o.formatY ?? (normalize ? percentTick : fmtTick);
  const fmtV = (v: number | null) => (normalize ? fmtPercent(v) : fmtValue(v));

  const bars = o.groups
    .map((g, gi) => {
      const x0 = p.left + gi * band + (band - inner) / 2;
      const rects = series
        .map((s, si) => {
          const v = s.plotted[gi] ?? null;
          const tip = `<title>${esc(`${g} — ${s.label}: ${fmtV(v)}`)}</title>`;
          if (!isNum(v)) return `<text x="${n2(x0 + si * barW + barW / 2)}" y="${n2(y(0) - 3)}" font-size="${FONT - 2}" text-anchor="middle" fill="${COLORS.muted}">–${tip}</text>`;
          return `<rect x="${n2(x0 + si * barW + 0.5)}" y="${n2(y(v))}" width="${n2(Math.max(0.5, barW - 1))}" height="${n2(y(0) - y(v))}" fill="${s.color}" rx="1">${tip}</rect>`;
        })
        .join('');
      const cx = p.left + gi * band + band / 2;
      const base = p.top + p.height;
      const text = esc(truncate(g, labelMax));
      const label = rotate
        ? `<text transform="translate(${n2(cx + 3)} ${n2(base + 10)}) rotate(-40)" font-size="${FONT - 1}" text-anchor="end" fill="${COLORS.ink}">${text}<title>${esc(g)}</title></text>`
        : `<text x="${n2(cx)}" y="${base + 15}" font-size="${FONT - 1}" text-anchor="middle" fill="${COLORS.ink}">${text}<title>${esc(g)}</title></text>`;
      return `<g>${rects}${label}</g>`;
    })
    .join('');

  const legendItems = o.series.map((s) => ({ label: s.label, color: s.color }));
  const body = (legend ? legendRow(legendItems, p.left, top - 18) : '') + yAxis(p, yMax, fmtY, o.yLabel) + bars;
  const desc = `Grouped bar chart of ${o.series.map((s) => s.label).join(', ')} for ${o.groups.length} groups: ${o.groups.slice(0, 12).join(', ')}${o.groups.length > 12 ? ', …' : ''}.`;
  return frame({ width, height, title: o.title, subtitle: o.subtitle, desc, body });
}

// ---------------------------------------------------------------------------------------------------------
// Heatmap

/** Sequential light-to-dark ramp (ColorBrewer OrRd): 0 reads as "no difference". */
const RAMP = ['#fff7ec', '#fee8c8', '#fdd49e', '#fdbb84', '#fc8d59', '#ef6548', '#d7301f', '#990000'];

const hexRgb = (h: string): number[] => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
const rgbHex = (c: readonly number[]): string => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;

/** Colour for t in [0, 1] on the ramp, linearly interpolated in RGB. */
export function rampColor(t: number): string {
  const u = Math.min(1, Math.max(0, isNum(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(u));
  const a = hexRgb(RAMP[i]!);
  const b = hexRgb(RAMP[i + 1]!);
  return rgbHex(a.map((v, k) => v + (b[k]! - v) * (u - i)));
}

/** Dark cells get white text (relative luminance threshold). */
function textOn(hex: string): string {
  const [r, g, b] = hexRgb(hex).map((v) => v / 255);
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b! < 0.5 ? '#ffffff' : COLORS.ink;
}

export interface HeatmapOptions {
  title: string;
  subtitle?: string;
  labels: readonly string[];
  /** Square matrix; null for undefined cells (e.g. a constant column). */
  values: readonly (readonly (number | null)[])[];
  /** Colour scale runs 0 → max; larger values are clamped (legend says "≥ max"). */
  max: number;
  /** Show only cells below the diagonal (for symmetric matrices). Default true. */
  lowerTriangle?: boolean;
  /** Extra tooltip text per cell (i = row, j = column). */
  cellTip?: (i: number, j: number) => string;
  legendLabel?: string;
}

/** Matrix heatmap with row/column labels, in-cell values when cells are big enough, and a colour legend. */
export function heatmap(o: HeatmapOptions): string {
  const n = o.labels.length;
  const lower = o.lowerTriangle ?? true;
  const rows = lower ? Array.from({ length: Math.max(0, n - 1) }, (_, k) => k + 1) : Array.from({ length: n }, (_, k) => k);
  const cols = lower ? Array.from({ length: Math.max(0, n - 1) }, (_, k) => k) : Array.from({ length: n }, (_, k) => k);
  const cell = Math.max(14, Math.min(44, Math.floor(480 / Math.max(1, cols.length))));
  const maxChars = 16;
  const labelW = Math.min(maxChars, Math.max(1, ...o.labels.map((l) => [...l].length))) * FONT * CHAR_W + 10;
  const top = headerHeight(Boolean(o.subtitle), true) + 8;
  const left = labelW + 6;
  const gridW = cols.length * cell;
  const gridH = rows.length * cell;
  // Wide enough for the subtitle too, so it is not cut off on small matrices.
  const width = Math.max(300, Math.ceil(left + gridW + 16), Math.ceil(16 + [...(o.subtitle ?? '')].length * FONT * CHAR_W));
  const height = Math.ceil(top + gridH + labelW * 0.72 + 14);
  const showText = cell >= 26;
  const fmtCell = (v: number) => v.toFixed(2).replace(/^0\./, '.');

  const cells = rows
    .map((i, ri) =>
      cols
        .map((j, ci) => {
          if (lower && j >= i) return '';
          const v = o.values[i]?.[j];
          const x = left + ci * cell;
          const yy = top + ri * cell;
          const tip = `${o.labels[i]} × ${o.labels[j]}: ${isNum(v) ? v.toFixed(3) : 'n/a'}${o.cellTip ? ` (${o.cellTip(i, j)})` : ''}`;
          const fill = isNum(v) ? rampColor(v / o.max) : '#eef0f2';
          const text = showText
            ? `<text x="${n2(x + cell / 2)}" y="${n2(yy + cell / 2 + 3.5)}" font-size="${FONT - 1}" text-anchor="middle" fill="${isNum(v) ? textOn(fill) : COLORS.muted}">${isNum(v) ? fmtCell(v) : '–'}</text>`
            : '';
          return `<g><rect x="${x}" y="${yy}" width="${cell - 1}" height="${cell - 1}" fill="${fill}"/>${text}<title>${esc(tip)}</title></g>`;
        })
        .join(''),
    )
    .join('');

  const rowLabels = rows
    .map((i, ri) => `<text x="${left - 6}" y="${n2(top + ri * cell + cell / 2 + 3.5)}" font-size="${FONT - 1}" text-anchor="end" fill="${COLORS.ink}">${esc(truncate(o.labels[i]!, maxChars))}<title>${esc(o.labels[i]!)}</title></text>`)
    .join('');
  const colLabels = cols
    .map((j, ci) => `<text transform="translate(${n2(left + ci * cell + cell / 2 + 3)} ${top + gridH + 8}) rotate(-45)" font-size="${FONT - 1}" text-anchor="end" fill="${COLORS.ink}">${esc(truncate(o.labels[j]!, maxChars))}<title>${esc(o.labels[j]!)}</title></text>`)
    .join('');

  // Colour legend: ten discrete steps from 0 to max, ticks at both ends and the middle.
  const lx = left;
  const ly = top - 24;
  const steps = 10;
  const stepW = 14;
  const legendRects = Array.from({ length: steps }, (_, k) => `<rect x="${lx + k * stepW}" y="${ly}" width="${stepW}" height="9" fill="${rampColor((k + 0.5) / steps)}"/>`).join('');
  const legend =
    legendRects +
    `<text x="${lx}" y="${ly + 20}" font-size="${FONT - 2}" fill="${COLORS.muted}">0</text>` +
    `<text x="${lx + steps * stepW}" y="${ly + 20}" font-size="${FONT - 2}" text-anchor="end" fill="${COLORS.muted}">≥ ${esc(trimZeros(o.max.toFixed(2)))}</text>` +
    (o.legendLabel ? `<text x="${lx + steps * stepW + 8}" y="${ly + 8}" font-size="${FONT - 1}" fill="${COLORS.muted}">${esc(o.legendLabel)}</text>` : '');

  const desc = `Heatmap of ${n} × ${n} values for ${o.labels.join(', ')}; colour from 0 to ${o.max}.`;
  return frame({ width, height, title: o.title, subtitle: o.subtitle, desc, body: legend + cells + rowLabels + colLabels });
}

// ---------------------------------------------------------------------------------------------------------
// Metric bars (horizontal)

export interface MetricBar {
  label: string;
  value: number | null;
  color?: string;
  /** A comparison point on the same row, e.g. the holdout baseline. */
  reference?: { value: number | null; label: string };
}

export interface MetricBarOptions {
  title: string;
  subtitle?: string;
  bars: readonly MetricBar[];
  domain?: readonly [number, number];
  /** A dashed line across all rows, e.g. "ideal 0.5". */
  ideal?: { value: number; label: string };
  format?: (v: number | null) => string;
  width?: number;
}

/** One horizontal bar per metric on a shared scale, with optional per-row reference ticks and an ideal line. */
export function metricBars(o: MetricBarOptions): string {
  const width = o.width ?? 420;
  const [lo, hi] = o.domain ?? [0, 1];
  const fmt = o.format ?? ((v: number | null) => fmtFixed(v, 3));
  const refLabels = [...new Set(o.bars.flatMap((b) => (b.reference && isNum(b.reference.value) ? [b.reference.label] : [])))];
  const legendItems: LegendItem[] = [...refLabels.map((l) => ({ label: l, color: COLORS.ink, style: 'marker' as const })), ...(o.ideal ? [{ label: o.ideal.label, color: COLORS.muted, style: 'dash' as const }] : [])];
  const top = headerHeight(Boolean(o.subtitle), legendItems.length > 0);
  const rowH = 26;
  const labelChars = Math.min(22, Math.max(4, ...o.bars.map((b) => [...b.label].length)));
  const p: Plot = { left: Math.round(labelChars * FONT * CHAR_W + 14), top, width: 0, height: o.bars.length * rowH };
  p.width = width - p.left - 52;
  const height = top + p.height + 26;
  const x = (v: number) => p.left + ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * p.width;

  const rows = o.bars
    .map((b, k) => {
      const yy = p.top + k * rowH;
      const color = b.color ?? COLORS.synthetic;
      const label = `<text x="${p.left - 8}" y="${yy + rowH / 2 + 4}" font-size="${FONT}" text-anchor="end" fill="${COLORS.ink}">${esc(truncate(b.label, 22))}</text>`;
      const track = `<rect x="${p.left}" y="${yy + 6}" width="${n2(p.width)}" height="${rowH - 12}" fill="${COLORS.grid}" rx="2"/>`;
      const bar = isNum(b.value) ? `<rect x="${p.left}" y="${yy + 6}" width="${n2(Math.max(0, x(b.value) - p.left))}" height="${rowH - 12}" fill="${color}" rx="2"/>` : '';
      const ref =
        b.reference && isNum(b.reference.value)
          ? `<rect x="${n2(x(b.reference.value) - 1.25)}" y="${yy + 2}" width="2.5" height="${rowH - 4}" fill="${COLORS.ink}"><title>${esc(`${b.reference.label}: ${fmt(b.reference.value)}`)}</title></rect>`
          : '';
      const value = `<text x="${n2(p.left + p.width + 6)}" y="${yy + rowH / 2 + 4}" font-size="${FONT}" font-weight="600" fill="${COLORS.ink}">${esc(fmt(b.value))}</text>`;
      const tip = `<title>${esc(`${b.label}: ${fmt(b.value)}${b.reference && isNum(b.reference.value) ? ` (${b.reference.label} ${fmt(b.reference.value)})` : ''}`)}</title>`;
      return `<g>${tip}${label}${track}${bar}${ref}${value}</g>`;
    })
    .join('');
  const ideal = o.ideal
    ? `<line x1="${n2(x(o.ideal.value))}" x2="${n2(x(o.ideal.value))}" y1="${p.top}" y2="${p.top + p.height}" stroke="${COLORS.muted}" stroke-width="1.5" stroke-dasharray="4 3"><title>${esc(`${o.ideal.label}: ${fmt(o.ideal.value)}`)}</title></line>`
    : '';
  const axis = xAxisLinear({ ...p, height: p.height + 2 }, lo, hi, fmtTick);
  const body = (legendItems.length ? legendRow(legendItems, p.left, top - 18) : '') + rows + ideal + axis;
  const desc = o.bars.map((b) => `${b.label} ${fmt(b.value)}${b.reference && isNum(b.reference.value) ? ` (${b.reference.label} ${fmt(b.reference.value)})` : ''}`).join('; ');
  return frame({ width, height, title: o.title, subtitle: o.subtitle, desc, body });
}

// ---------------------------------------------------------------------------------------------------------
// Image grid (for DICOM previews)

export interface GridImage {
  label: string;
  /** PNG bytes, base64 (no data: prefix). */
  pngBase64: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A grid of labelled PNG thumbnails embedded as data: URIs (self-contained, no loads). Anything that is not
 * plain base64 is shown as a placeholder rather than written into the attribute.
 */
export function imageGrid(images: readonly GridImage[], opts: { title?: string; columns?: number; cellSize?: number } = {}): string {
  const title = opts.title ?? 'Images';
  const size = opts.cellSize ?? 160;
  const cols = Math.max(1, Math.min(images.length || 1, opts.columns ?? 4));
  const rows = Math.ceil(images.length / cols);
  const labelH = 18;
  const gap = 8;
  const top = headerHeight(false, false);
  const width = 16 + cols * size + (cols - 1) * gap;
  const height = top + Math.max(1, rows) * (size + labelH + gap) + 4;
  const cells = images
    .map((img, k) => {
      const x = 8 + (k % cols) * (size + gap);
      const y = top + Math.floor(k / cols) * (size + labelH + gap);
      const b64 = img.pngBase64.replace(/\s+/g, '');
      const pic = BASE64.test(b64)
        ? `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="#000"/><image x="${x}" y="${y}" width="${size}" height="${size}" preserveAspectRatio="xMidYMid meet" href="data:image/png;base64,${b64}"/>`
        : `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="#eef0f2"/><text x="${x + size / 2}" y="${y + size / 2}" font-size="${FONT}" text-anchor="middle" fill="${COLORS.muted}">invalid image data</text>`;
      const label = `<text x="${x + size / 2}" y="${y + size + 13}" font-size="${FONT}" text-anchor="middle" fill="${COLORS.ink}">${esc(truncate(img.label, Math.floor(size / (FONT * CHAR_W))))}</text>`;
      return `<g><title>${esc(img.label)}</title>${pic}${label}</g>`;
    })
    .join('');
  const empty = images.length ? '' : `<text x="8" y="${top + 20}" font-size="${FONT}" fill="${COLORS.muted}">no images</text>`;
  return frame({ width, height, title, desc: `${images.length} image(s): ${images.map((i) => i.label).join(', ')}`, body: cells + empty });
}
