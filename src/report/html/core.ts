/** Shared by every part of report.html: the escaping `html` template, number formatting, page building blocks, summary cards and the section type. */
import { esc, fmtFixed, fmtValue, groupThousands } from '../svg.js';
import type { EvaluationReport } from '../model.js';

/** Markup that is already safe; everything else interpolated into `html` is escaped. */
export class Raw {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export const raw = (markup: string): Raw => new Raw(markup);

export function part(v: unknown): string {
  if (v instanceof Raw) return v.value;
  if (Array.isArray(v)) return v.map(part).join('');
  if (v === undefined || v === null || v === false) return '';
  return esc(v);
}

/** Tagged template: interpolations are escaped unless Raw; arrays are joined; null/undefined/false vanish. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0]!;
  values.forEach((v, i) => (out += part(v) + strings[i + 1]!));
  return raw(out);
}

export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const score = (v: number | null | undefined): string => fmtFixed(v, 3);

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
export const path = (p: string): Raw => html`<code>${raw(esc(p).replace(/\//g, '/<wbr>'))}</code>`;

export const fmtCount = (n: number | null | undefined): string => (isNum(n) ? groupThousands(String(Math.round(n))) : '—');

/** Any JSON value for a metadata cell. */
export function fmtAny(v: unknown): string {
  if (typeof v === 'number') return fmtValue(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (v === null || v === undefined) return '—';
  return JSON.stringify(v);
}

export type Tone = 'good' | 'fair' | 'poor' | 'info';

export interface Section {
  id: string;
  title: string;
  body: Raw;
}

export function legend(items: readonly { label: string; color: string }[]): Raw {
  return html`<div class="legend" aria-hidden="true">${items.map((i) => html`<span class="key"><i style="background:${raw(i.color)}"></i>${i.label}</span>`)}</div>`;
}

export function figure(svg: string, caption?: string, cls = ''): Raw {
  return html`<figure class="chart ${cls}">${raw(svg)}${caption ? html`<figcaption>${caption}</figcaption>` : ''}</figure>`;
}

export function dl(entries: readonly (readonly [string, unknown])[]): Raw {
  return html`<dl class="kv">${entries.filter(([, v]) => v !== undefined).map(([k, v]) => html`<dt>${k}</dt><dd>${v instanceof Raw ? v : fmtAny(v)}</dd>`)}</dl>`;
}

export interface Column {
  head: string;
  num?: boolean;
  /** Takes the spare width, so short columns stay together instead of spreading across the page. */
  grow?: boolean;
}

export const cellClass = (c: Column | undefined): Raw => raw(c?.num ? ' class="num"' : c?.grow ? ' class="grow"' : '');

export function table(columns: readonly Column[], rows: readonly (readonly unknown[])[], caption?: string): Raw {
  return html`<div class="table-wrap"><table class="data">${caption ? html`<caption>${caption}</caption>` : ''}<thead><tr>${columns.map(
    (c) => html`<th${cellClass(c)}>${c.head}</th>`,
  )}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${r.map((cell, i) => html`<td${cellClass(columns[i])}>${cell instanceof Raw ? cell : fmtAny(cell)}</td>`)}</tr>`,
  )}</tbody></table></div>`;
}

export interface Card {
  area: string;
  /** Section the card links to, when not the area's own (a merge report has one per output). */
  href?: string;
  title: string;
  tone: Tone;
  figures: readonly { value: string; label: string; note?: string }[];
  reading: string;
  definition?: string;
}

export function card(c: Card): Raw {
  return html`<article class="card summary tone-${c.tone}"><h3><a href="#${c.href ?? c.area}">${c.title}</a></h3>
<div class="figs">${c.figures.map((f) => html`<div class="fig"><span class="v">${f.value}</span><span class="k">${f.label}</span>${f.note ? html`<span class="n">${f.note}</span>` : ''}</div>`)}</div>
<p class="reading">${c.reading}</p>${c.definition ? html`<p class="def">${c.definition}</p>` : ''}</article>`;
}

export function skippedCard(title: string, reason: string): Raw {
  return html`<article class="card summary tone-info skipped"><h3>${title}</h3><p class="reading">Skipped: ${reason}</p></article>`;
}

/** Run a renderer; a malformed report section becomes a note instead of costing the reader the whole page. */
export function guard<T>(f: () => T): T | Error {
  try {
    return f();
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** Small-multiple size in SVG units: about the rendered size in a 4-column grid, so text stays ~11 px. */
export const SMALL = { width: 300, height: 200 };

export function sectionHtml(s: Section): Raw {
  return html`<section id="${s.id}"><h2>${s.title}</h2>${s.body}</section>`;
}

export function skippedSection(id: string, title: string, reason: string): Section {
  return { id, title, body: html`<p class="skipped-note">Skipped: ${reason}</p>` };
}

/**
 * One evaluation area of a report (a key of EvaluationReport): its summary card and its section, each
 * built from that area's part of the evaluation. areas/index.ts lists them in page order.
 */
export interface Area<R> {
  id: Exclude<keyof EvaluationReport, 'skipped'>;
  title: string;
  card(r: R): Card;
  section(r: R): Section;
}
