/**
 * Series labels (`model.seriesLabel`): the DICOM attribute whose value names a series for the image model
 * (T1, T2, FLAIR…; MR or CT; one label per series UID), read once per series. Series with the same value
 * share a label. No imports beyond types, so the spec schema can list the attributes.
 */
import type { DicomSeries } from './series.js';

/** The attributes a series can be labelled by, with their tags. */
export const SERIES_LABEL_TAGS = {
  SeriesDescription: '(0008,103E)',
  ProtocolName: '(0018,1030)',
  SequenceName: '(0018,0024)',
  ContrastBolusAgent: '(0018,0010)',
  Modality: '(0008,0060)',
  SeriesNumber: '(0020,0011)',
  SeriesInstanceUID: '(0020,000E)',
} as const;

export type SeriesLabelAttribute = keyof typeof SERIES_LABEL_TAGS;
export const SERIES_LABEL_ATTRIBUTES = Object.keys(SERIES_LABEL_TAGS) as SeriesLabelAttribute[];

/** A series' value of `attribute` (the first of its images that has one, trimmed), or undefined. */
export function seriesLabelOf(series: Pick<DicomSeries, 'images'>, attribute: SeriesLabelAttribute): string | undefined {
  for (const image of series.images) {
    const v = image.tag(SERIES_LABEL_TAGS[attribute])?.trim();
    if (v) return v;
  }
  return undefined;
}

/**
 * Whether a label may be written into synthetic files and folder names: a SeriesInstanceUID names the
 * source series (an identifier de-identification removes), so synthetic outputs number those labels instead.
 */
export function labelIsIdentifier(attribute: string): boolean {
  return attribute === 'SeriesInstanceUID';
}
