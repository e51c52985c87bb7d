/** The Images section of a DICOM pipeline's report. */
import { COLORS, fmtFixed, fmtPercent, fmtValue, histogramOverlay, imageGrid } from '../svg.js';
import type { ImageReport } from '../model.js';
import { html, figure, dl, type Section } from './core.js';

export function imagesSection(img: ImageReport): Section {
  const mz = img.memorization;
  const cell = { columns: 8, cellSize: 112 };
  const gate = img.export.blocked
    ? html`<p class="skipped-note"><strong>Export blocked:</strong> ${img.export.reason ?? 'see the memorization figures'}</p>`
    : html`<p>Export allowed: no synthetic slice is a near-copy of a training slice.</p>`;
  const verdict = imageFidelityVerdict(img);
  const h = img.histogram;
  return {
    id: 'images',
    title: 'Images',
    body: html`${gate}${verdict ? html`<p${verdict.realistic ? '' : html` class="skipped-note"`}><strong>Fidelity:</strong> ${verdict.text}</p>` : ''}
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
      ...(img.detection
        ? [
            [
              'Image C2ST vs training (score, AUC)',
              `synthetic ${fmtFixed(img.detection.synthetic.score, 3)}, ${fmtFixed(img.detection.synthetic.auc, 3)}` +
                (img.detection.heldOutReal ? `; held-out real ${fmtFixed(img.detection.heldOutReal.score, 3)}, ${fmtFixed(img.detection.heldOutReal.auc, 3)}` : ''),
            ] as [string, string],
          ]
        : []),
      ...(img.kid
        ? [
            [
              'Image KID vs training (± sd over subsets)',
              `synthetic ${fmtFixed(img.kid.synthetic.kid, 4)} ± ${fmtFixed(img.kid.synthetic.std, 4)}` +
                (img.kid.heldOutReal ? `; held-out real ${fmtFixed(img.kid.heldOutReal.kid, 4)} ± ${fmtFixed(img.kid.heldOutReal.std, 4)}` : ''),
            ] as [string, string],
          ]
        : []),
      ...(img.cnnDetection
        ? [
            [
              'Image CNN C2ST vs training (score, AUC)',
              `synthetic ${fmtFixed(img.cnnDetection.synthetic.score, 3)}, ${fmtFixed(img.cnnDetection.synthetic.auc, 3)}` +
                (img.cnnDetection.heldOutReal ? `; held-out real ${fmtFixed(img.cnnDetection.heldOutReal.score, 3)}, ${fmtFixed(img.cnnDetection.heldOutReal.auc, 3)}` : ''),
            ] as [string, string],
          ]
        : []),
      ...(img.cnnKid
        ? [
            [
              'Image KID on CNN features vs training (± sd over subsets)',
              `synthetic ${fmtFixed(img.cnnKid.synthetic.kid, 4)} ± ${fmtFixed(img.cnnKid.synthetic.std, 4)}` +
                (img.cnnKid.heldOutReal ? `; held-out real ${fmtFixed(img.cnnKid.heldOutReal.kid, 4)} ± ${fmtFixed(img.cnnKid.heldOutReal.std, 4)}` : ''),
            ] as [string, string],
          ]
        : []),
      ...(img.msSsim
        ? [
            [
              'Diversity (mean pairwise MS-SSIM; 1 = all alike)',
              `synthetic ${fmtFixed(img.msSsim.synthetic.mean, 3)}` +
                (img.msSsim.heldOutReal ? `, held-out real ${fmtFixed(img.msSsim.heldOutReal.mean, 3)}` : '') +
                (img.msSsim.train ? `, training ${fmtFixed(img.msSsim.train.mean, 3)}` : ''),
            ] as [string, string],
          ]
        : []),
      ['Window', `${img.window.map((v) => fmtValue(v)).join(' – ')} (${img.windowSource}), ${img.imageSize}² pixels`],
    ])}<p class="def">${mz.definition}</p></div>`,
  };
}

/** How far above the held-out real slices' C2ST AUC the synthetic slices' may be and still read as realistic. */
export const REALISTIC_AUC_MARGIN = 0.1;

/**
 * The export gate speaks of privacy only; this says whether the slices look real, from the C2STs run
 * beside held-out real slices: realistic when no detector tells synthetic slices from training slices
 * more than REALISTIC_AUC_MARGIN of AUC better than it tells held-out real ones (a handful of slices per
 * fold makes smaller gaps noise). Undefined without a held-out baseline.
 */
export function imageFidelityVerdict(img: Pick<ImageReport, 'detection' | 'cnnDetection'>): { realistic: boolean; text: string } | undefined {
  const tests = [
    { name: 'pixel-feature forest', d: img.detection },
    { name: 'CNN', d: img.cnnDetection },
  ].flatMap(({ name, d }) => (d?.heldOutReal ? [{ name, synthetic: d.synthetic.auc, heldOut: d.heldOutReal.auc }] : []));
  if (!tests.length) return undefined;
  const worst = tests.reduce((a, b) => (b.synthetic - b.heldOut > a.synthetic - a.heldOut ? b : a));
  const auc = (t: (typeof tests)[number]) => `AUC ${fmtFixed(t.synthetic, 3)} (held-out real slices ${fmtFixed(t.heldOut, 3)})`;
  if (worst.synthetic - worst.heldOut > REALISTIC_AUC_MARGIN)
    return { realistic: false, text: `not yet realistic: the ${worst.name} C2ST tells synthetic from training slices at ${auc(worst)}, more than ${fmtFixed(REALISTIC_AUC_MARGIN, 2)} above real slices.` };
  return { realistic: true, text: `synthetic slices are no easier to tell from training slices than held-out real ones: ${tests.map((t) => `${t.name} C2ST ${auc(t)}`).join('; ')}.` };
}
