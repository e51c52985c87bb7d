/** report.html for a run (table or image): header, summary, every evaluated area, schema and tasks. */
import { fmtPercent, fmtValue } from '../svg.js';
import type { EvaluationReport, RunReport, TaskReport, ImageRunReport } from '../model.js';
import type { ColumnSchema } from '../../table/infer.js';
import { Raw, html, isNum, fmtTimestamp, fmtSeconds, path, fmtCount, fmtAny, table, guard, sectionHtml, type Section } from './core.js';
import { evaluationSections, summary } from './areas/index.js';
import { header, isImageRun } from './header.js';
import { imagesSection } from './images.js';
import { pageHtml } from './page.js';

export function schemaSummary(c: ColumnSchema): Raw {
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

export function schemaSection(r: RunReport): Section {
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
export const words = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();

export function tasksSection(r: RunReport | ImageRunReport): Section | undefined {
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

/** A report read back from disk may hold anything; each section renderer is guarded against malformed parts. */
export function evaluationOf(r: RunReport | ImageRunReport): EvaluationReport {
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
  // `--fail-on`: the privacy gate's verdict opens the page.
  const g = ev.gate;
  const gate = g && typeof g === 'object' && Array.isArray(g.breaches)
    ? g.passed
      ? html`<p class="gate gate-pass" id="privacy-gate">Privacy gate passed: ${Object.entries(g.thresholds).map(([k, v]) => `${k} ≤ ${v}`).join(', ')}</p>`
      : html`<p class="gate gate-fail" id="privacy-gate">Privacy gate failed: ${g.breaches.map((b) => `${b.label} ${Number.isFinite(b.value) ? +b.value.toFixed(4) : 'not measured'} > ${b.threshold}`).join(', ')}. Do not release this synthetic table as is.</p>`
    : '';
  const noEval = images || (!isImageRun(report) && report.evaluation) ? '' : html`<p class="skipped-note">This run has no evaluation section.</p>`;
  return pageHtml({
    title: `${report.name} · synthdiff report`,
    generator: report.synthdiff,
    header: header(report),
    nav,
    main: html`${gate}${noEval}${summaryBlock ?? ''}
${sections.map(sectionHtml)}`,
    footer: html`Generated by synthdiff ${report.synthdiff} from run “${report.name}” (spec ${report.specHash.slice(0, 12)}, seed ${report.seed}, started ${fmtTimestamp(report.startedAt)}). Self-contained: no scripts, fonts or network resources.`,
  });
}
