/**
 * Series labels in an image run (`model.seriesLabel`): one label per selected series, the split kept per
 * label, slice levels per series, and how each label's synthetic series is named and placed.
 */
import { join } from 'node:path';
import { DicomError, SpecError } from '../../errors.js';
import { messages } from '../../messages.js';
import { createRng, deriveSeed, permutation } from '../../rng.js';
import { labelIsIdentifier, seriesLabelOf, SERIES_LABEL_TAGS, type SeriesLabelAttribute } from '../../io/dicom/series-label.js';
import type { DicomSeries } from '../../io/dicom/series.js';
import { sliceLevels } from './export.js';
import type { SlicePlane } from '../../io/dicom/preprocess.js';

/** Each series' label (its value of `attribute`); a selected series without one is a DicomError naming it. */
export function labelsOfSeries(series: readonly DicomSeries[], attribute: SeriesLabelAttribute, source: string): string[] {
  return series.map((s) => {
    const label = seriesLabelOf(s, attribute);
    if (label === undefined) throw new DicomError(messages.seriesLabelMissing(source, attribute, SERIES_LABEL_TAGS[attribute], `${s.seriesUid}${s.description ? ` "${s.description}"` : ''}`));
    return label;
  });
}

/** The distinct labels in one-hot order (sorted, so the order does not depend on series UIDs). */
export function labelOrder(labels: readonly string[]): string[] {
  return [...new Set(labels)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * `splitSlices` per label (each label's slices split on their own, seeded by the label), so every label
 * keeps its share of training and held-out slices; indices into `labels`, ascending.
 */
export function splitByLabel(labels: readonly string[], holdout: number, seed: number): { train: number[]; holdout: number[] } {
  const train: number[] = [], held: number[] = [];
  for (const label of labelOrder(labels)) {
    const idx = labels.flatMap((l, i) => (l === label ? [i] : []));
    const s = splitSlices(idx.length, holdout, deriveSeed(seed, `split:${label}`));
    train.push(...s.train.map((j) => idx[j]!));
    held.push(...s.holdout.map((j) => idx[j]!));
  }
  return { train: train.sort((a, b) => a - b), holdout: held.sort((a, b) => a - b) };
}

/** Each slice's level within its own series (0 first, 1 last along the normal); undefined when any series has no geometry. */
export function levelsPerSeries(perSeries: readonly (readonly { plane?: SlicePlane }[])[]): number[] | undefined {
  const out: number[] = [];
  for (const slices of perSeries) {
    const levels = sliceLevels(slices);
    if (!levels) return undefined;
    out.push(...levels);
  }
  return out;
}

/** How a label is shown in files, folders and report.json: itself, or `series k` where it is an identifier (a source UID). */
export function shownLabel(label: string, attribute: string, labels: readonly string[]): string {
  return labelIsIdentifier(attribute) ? `series ${labels.indexOf(label) + 1}` : label;
}

/** SeriesDescription (LO, ≤ 64 characters, no backslash or control character) of a synthetic series: its label's, or the modality's without one. */
export function labelSeriesDescription(shown: string, modality: string): string {
  const clean = shown.replace(/[\\\0-\x1f]+/g, ' ').trim();
  const room = 64 - 'SYNTHETIC  (synthdiff)'.length;
  return clean ? `SYNTHETIC ${clean.slice(0, room).trim()} (synthdiff)` : `SYNTHETIC ${modality} (synthdiff)`;
}

/** A file-name-safe part for each shown label, distinct within the list. */
export function labelFileParts(shown: readonly string[]): string[] {
  const used = new Set<string>();
  return shown.map((s, i) => {
    let part = s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+|_+$/g, '') || 'label';
    if (used.has(part)) part = `${part}-${i + 1}`;
    used.add(part);
    return part;
  });
}

/** Where a label's synthetic output goes: a subfolder of the task's folder, or `<name>_<part>.nii[.gz]` beside a NIfTI path. */
export function labelOutput(output: string, part: string, format: 'dicom' | 'nifti'): string {
  if (format === 'dicom') return join(output, part);
  const ext = /\.nii(\.gz)?$/i.exec(output);
  return ext ? `${output.slice(0, ext.index)}_${part}${ext[0]}` : `${output}_${part}`;
}

/** Seeded split of slice indices into train and held-out; at least one of each when asked for any. */
export function splitSlices(n: number, holdout: number, seed: number): { train: number[]; holdout: number[] } {
  if (holdout <= 0) return { train: [...Array(n).keys()], holdout: [] };
  if (n < 2) throw new SpecError(messages.imageTooFewSlices(n));
  const k = Math.min(n - 1, Math.max(1, Math.round(n * holdout)));
  const order = Array.from(permutation(n, createRng(deriveSeed(seed, 'split'))));
  return { train: order.slice(k).sort((a, b) => a - b), holdout: order.slice(0, k).sort((a, b) => a - b) };
}
