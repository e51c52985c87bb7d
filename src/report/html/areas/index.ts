/**
 * The evaluation areas of report.html in page order. Each area's module exports its `{card, section}`;
 * the summary (one card per area) and the sections are both built from this one list.
 */
import type { EvaluationReport } from '../../model.js';
import { card, guard, html, skippedCard, skippedSection, type Area, type Card, type Raw, type Section } from '../core.js';
import { detectionArea } from './detection.js';
import { efficacyArea } from './efficacy.js';
import { fidelityArea } from './fidelity.js';
import { imputationArea } from './imputation.js';
import { imputedArea } from './imputed.js';
import { outliersArea } from './outliers.js';
import { precisionRecallArea } from './precision-recall.js';
import { privacyArea } from './privacy.js';
import { validityArea } from './validity.js';

export const AREAS: readonly Area<never>[] = [fidelityArea, validityArea, detectionArea, privacyArea, outliersArea, imputationArea, imputedArea, efficacyArea, precisionRecallArea];

/** The area's part of the evaluation, if the report has one. */
const partOf = (ev: EvaluationReport, a: Area<never>): unknown => ev[a.id];

export function summary(ev: EvaluationReport): Raw | undefined {
  const skipped = ev.skipped ?? {};
  const cards: Raw[] = [];
  for (const a of AREAS) {
    const built = guard((): Card | undefined => {
      const r = partOf(ev, a);
      return r ? (a as Area<unknown>).card(r) : undefined;
    });
    if (built instanceof Error) cards.push(skippedCard(a.title, `could not read this section of the report (${built.message})`));
    else if (built) cards.push(card(built));
    else if (skipped[a.id]) cards.push(skippedCard(a.title, skipped[a.id]!));
  }
  const known = new Set<string>(AREAS.map((a) => a.id));
  const other = Object.entries(skipped).filter(([k]) => !known.has(k));
  if (!cards.length && !other.length) return undefined;
  return html`<section id="summary"><h2>Summary</h2><div class="cards">${cards}</div>${
    other.length ? html`<ul class="skipped-list">${other.map(([k, v]) => html`<li><strong>${k}</strong> skipped: ${v}</li>`)}</ul>` : ''
  }<p class="muted small">Colour bands on the cards are rules of thumb stated in each reading, not pass/fail thresholds.</p></section>`;
}

export function evaluationSections(ev: EvaluationReport): Section[] {
  const skipped = ev.skipped ?? {};
  const out: Section[] = [];
  for (const a of AREAS) {
    const s = guard((): Section | undefined => {
      const r = partOf(ev, a);
      return r ? (a as Area<unknown>).section(r) : undefined;
    });
    if (s instanceof Error) out.push({ id: a.id, title: a.title, body: html`<p class="skipped-note">Could not render this section: ${s.message}</p>` });
    else if (s) out.push(s);
    else if (skipped[a.id]) out.push(skippedSection(a.id, a.title, skipped[a.id]!));
  }
  return out;
}
