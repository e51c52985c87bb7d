/**
 * `synthdiff evaluate --fail-on dcr=0.55,copies=0.05`: privacy thresholds a synthetic table must meet, as
 * the DICOM export's memorization check gates its export. Each metric is a share where higher means more
 * of the synthetic table sits on the training rows; a value above its threshold fails the gate.
 */
import { SpecError } from '../errors.js';
import { messages } from '../messages.js';
import type { PrivacyGate, PrivacyReport } from '../report/model.js';
import { closest } from '../spec/parse.js';

export const GATE_METRICS = {
  /** DCR share: synthetic rows closer to a training row than to any holdout row (0.5 ideal). */
  dcr: { label: 'DCR share', of: (p: PrivacyReport) => p.dcrShare },
  /** Exact-copy rate: synthetic rows identical to a training row. */
  copies: { label: 'exact copies', of: (p: PrivacyReport) => p.exactCopyRate },
  /** Membership-inference AUC (0.5: training rows cannot be told from holdout rows). */
  mia: { label: 'membership AUC', of: (p: PrivacyReport) => p.membershipAuc },
} as const;
export type GateMetric = keyof typeof GATE_METRICS;

/** `dcr=0.55,copies=0.05` → thresholds; a one-line SpecError naming the bad part otherwise. */
export function parseFailOn(text: string): Partial<Record<GateMetric, number>> {
  const out: Partial<Record<GateMetric, number>> = {};
  const names = Object.keys(GATE_METRICS);
  for (const part of text.split(',').map((s) => s.trim())) {
    const m = /^([A-Za-z]+)\s*=\s*(\S+)$/.exec(part);
    if (!m) throw new SpecError(messages.failOnSyntax(part, names));
    const key = m[1]!.toLowerCase();
    if (!(key in GATE_METRICS)) throw new SpecError(messages.failOnUnknown(m[1]!, names, closest(key, names)));
    const v = Number(m[2]);
    if (!Number.isFinite(v) || v < 0 || v > 1) throw new SpecError(messages.failOnValue(key, m[2]!));
    out[key as GateMetric] = v;
  }
  return out;
}

/** The gate's verdict on a privacy report: every metric above its threshold is a breach. */
export function privacyGate(p: PrivacyReport, thresholds: Partial<Record<GateMetric, number>>): PrivacyGate {
  const breaches: PrivacyGate['breaches'] = [];
  for (const [key, threshold] of Object.entries(thresholds) as [GateMetric, number][]) {
    const value = GATE_METRICS[key].of(p);
    if (value === undefined || !Number.isFinite(value) || value > threshold) breaches.push({ metric: key, label: GATE_METRICS[key].label, value: value ?? NaN, threshold });
  }
  return { thresholds, breaches, passed: breaches.length === 0 };
}

/** The gate as one line: what failed, by how much, and the flag that set it. */
export function gateLine(g: PrivacyGate): string {
  const show = (x: number) => (Number.isFinite(x) ? String(+x.toFixed(4)) : 'not measured');
  const flag = `--fail-on ${Object.entries(g.thresholds).map(([k, v]) => `${k}=${v}`).join(',')}`;
  return g.passed
    ? messages.privacyGatePassed(Object.entries(g.thresholds).map(([k, v]) => `${GATE_METRICS[k as GateMetric].label} ≤ ${v}`), flag)
    : messages.privacyGateFailed(g.breaches.map((b) => `${b.label} ${show(b.value)} > ${b.threshold}`), flag);
}
