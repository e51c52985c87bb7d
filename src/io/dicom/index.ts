// DICOM reading (and, later, writing): the public surface of src/io/dicom.
export { readDicomFile, parseDicom, looksLikeDicom } from './read.js';
export type { DicomImage, DicomMetadata, ReadOptions } from './read.js';
export { DicomFrame } from './pixels.js';
export type { StoredArray } from './pixels.js';
export { TRANSFER_SYNTAXES } from './codecs.js';
export type { TransferSyntax, TransferSyntaxKind } from './codecs.js';
export { readDicomSeries } from './series.js';
export type { DicomSeries, DicomSeriesList, SkippedFile } from './series.js';
