/**
 * Cell text ⇄ value conversions shared by schema inference, the CSV reader/writer and the Arrow
 * writer, so that every path agrees on what "a number" or "a date" looks like and how it prints.
 */

const MS_PER_DAY = 86_400_000;

// Plain decimal or scientific notation only: no hex, no thousands separators, no surrounding blanks,
// so that text like "0x1F", "1,000" or " 5" stays a label instead of silently becoming a number.
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// A leading zero before another digit ("007", "01234") marks an identifier or code, not a quantity:
// reading it as a number would lose the zeros on write-back.
const LEADING_ZERO_RE = /^[+-]?0\d/;
const INFINITIES: ReadonlyMap<string, number> = new Map([
  ['Inf', Infinity],
  ['+Inf', Infinity],
  ['-Inf', -Infinity],
  ['Infinity', Infinity],
  ['+Infinity', Infinity],
  ['-Infinity', -Infinity],
]);

/**
 * The number a cell spells, or undefined. `strict` (used by inference) also rejects leading-zero
 * codes; a kind forced by the user accepts them.
 */
export function parseNumber(text: string, strict = true): number | undefined {
  if (NUMBER_RE.test(text)) {
    if (strict && LEADING_ZERO_RE.test(text)) return undefined;
    return Number(text);
  }
  return INFINITIES.get(text);
}

/** Integers must survive the trip through a float64 exactly, hence the 2^53 bound. */
export function isExactInteger(v: number): boolean {
  return Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER;
}

/** Shortest text that reads back to the same double; integers print without ".0". */
export function formatNumber(v: number): string {
  return String(v);
}

// YYYY-MM-DD, optionally followed by [T ]HH:MM(:SS(.fraction)?)? and Z or a ±HH:MM offset.
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export interface ParsedDatetime {
  /** Milliseconds since the Unix epoch, UTC. */
  readonly ms: number;
  /** True when the text had no time part. */
  readonly dateOnly: boolean;
}

/**
 * ISO-8601 date or datetime → epoch ms (UTC). Text without a zone is taken as UTC: tables carry no
 * zone, and treating naive times as local would make results depend on the machine's TZ.
 * Impossible dates (2021-02-30, 25:00) are rejected rather than rolled over as Date.UTC would.
 */
export function parseDatetime(text: string): ParsedDatetime | undefined {
  const m = DATETIME_RE.exec(text);
  if (!m) return undefined;
  const y = +m[1]!;
  const mo = +m[2]!;
  const d = +m[3]!;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  const days = daysFromCivil(y, mo, d);
  if (m[4] === undefined) return { ms: days * MS_PER_DAY, dateOnly: true };
  const h = +m[4];
  const mi = +m[5]!;
  const s = m[6] === undefined ? 0 : +m[6];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const frac = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
  let offsetMin = 0;
  const z = m[8];
  if (z !== undefined && z !== 'Z') {
    const digits = z.slice(1).replace(':', '');
    const oh = +digits.slice(0, 2);
    const om = +digits.slice(2);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (z[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = days * MS_PER_DAY + ((h * 60 + mi - offsetMin) * 60 + s) * 1000 + frac;
  return { ms, dateOnly: false };
}

/**
 * Epoch ms → `YYYY-MM-DD` (resolution 'date') or `YYYY-MM-DDTHH:MM:SS.sssZ` ('datetime').
 * Values are rounded to the nearest day / millisecond first: generated values are continuous, and
 * rounding (not truncating) keeps them closest to what the model produced.
 */
export function formatDatetime(ms: number, resolution: 'date' | 'datetime'): string {
  const rounded = resolution === 'date' ? Math.round(ms / MS_PER_DAY) * MS_PER_DAY : Math.round(ms);
  const iso = new Date(rounded).toISOString();
  return resolution === 'date' ? iso.slice(0, iso.indexOf('T')) : iso;
}

export function isWholeDay(ms: number): boolean {
  return ms % MS_PER_DAY === 0;
}

export { MS_PER_DAY };

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/** Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm); unlike
 * Date.UTC it does not remap years 0–99 to 1900–1999. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Spellings of a boolean pair, as [false, true]. Inference only recognises the first three (what R,
 * Python and spreadsheets write); yes/no and 0/1 columns are usually real categories or codes, so they
 * become boolean only when the user forces the kind.
 */
export const INFERRED_BOOLEAN_PAIRS: readonly (readonly [string, string])[] = [
  ['FALSE', 'TRUE'],
  ['false', 'true'],
  ['False', 'True'],
];

export const FORCED_BOOLEAN_PAIRS: readonly (readonly [string, string])[] = [
  ...INFERRED_BOOLEAN_PAIRS,
  ['F', 'T'],
  ['f', 't'],
  ['no', 'yes'],
  ['No', 'Yes'],
  ['NO', 'YES'],
  ['n', 'y'],
  ['N', 'Y'],
  ['0', '1'],
  ['off', 'on'],
  ['Off', 'On'],
  ['OFF', 'ON'],
];

/** The single pair that spells every label, or undefined when none (or labels mix spellings). */
export function booleanPairFor(
  labels: Iterable<string>,
  pairs: readonly (readonly [string, string])[],
): readonly [string, string] | undefined {
  let candidates = pairs;
  for (const label of labels) {
    candidates = candidates.filter((p) => p[0] === label || p[1] === label);
    if (candidates.length === 0) return undefined;
  }
  return candidates[0];
}

/**
 * Category order: numeric order when every label is a number (so "2" < "10" for ordinal scores),
 * otherwise plain UTF-16 code-unit order. Both are locale-independent, so the same data always gives
 * the same codes on every machine.
 */
export function sortCategories(labels: readonly string[]): string[] {
  const out = [...labels];
  const nums = out.map((l) => parseNumber(l, false));
  if (out.length > 0 && nums.every((n) => n !== undefined)) {
    const byLabel = new Map(out.map((l, i) => [l, nums[i]!]));
    return out.sort((a, b) => byLabel.get(a)! - byLabel.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
