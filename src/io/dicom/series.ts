/**
 * Gather DICOM files into series: a folder (searched recursively) or a single file → images grouped by
 * SeriesInstanceUID and ordered along the slice normal.
 *
 * Ordering: the slice normal is the cross product of the row and column direction cosines in
 * ImageOrientationPatient; each image sorts by ImagePositionPatient · normal (its distance along the
 * normal). That is correct for any orientation (axial, sagittal, oblique), unlike sorting on z. When any
 * image of a series lacks position or orientation, the series sorts by InstanceNumber; ties and images
 * lacking both keep file-path order, so the result is deterministic.
 *
 * Files that are not DICOM (no 'DICM' marker and no plausible first element), DICOM objects without
 * Pixel Data (DICOMDIR, RT plans, SR…), files that look like DICOM but cannot be read, and images without
 * a SeriesInstanceUID are skipped and listed in `skipped` with the one-line reason naming them: one bad
 * file never aborts a folder, and callers report every skipped file by name (a dropped slice is never
 * silent). Reading a single file (not a folder) still throws its DicomError.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DicomError } from '../../errors.js';
import { messages } from '../../messages.js';
import { looksLikeDicom, readDicomFile, type DicomImage, type ReadOptions } from './read.js';

export interface DicomSeries {
  seriesUid: string;
  modality?: string;
  /** SeriesDescription (0008,103E), '' when absent. */
  description: string;
  /** Ordered along the slice normal (or by InstanceNumber), see the module comment. */
  images: DicomImage[];
  /** How `images` were ordered. */
  orderedBy: 'position' | 'instance-number' | 'path';
}

export interface SkippedFile {
  path: string;
  reason: string;
  /** A readable DICOM object without Pixel Data (SR, RT Structure Set, presentation state, …): no image, but de-identifiable. */
  nonImage?: true;
}

/** The series found (sorted by SeriesInstanceUID), plus the files that were skipped and why. */
export type DicomSeriesList = DicomSeries[] & { skipped: SkippedFile[] };

/** Read every DICOM image under `pathOrFolder` and group it into series. */
export async function readDicomSeries(pathOrFolder: string, options: ReadOptions = {}): Promise<DicomSeriesList> {
  let files: string[];
  let single = false;
  try {
    single = !(await stat(pathOrFolder)).isDirectory();
    files = single ? [pathOrFolder] : await listFiles(pathOrFolder);
  } catch (e) {
    throw new DicomError(messages.dicomCannotList(pathOrFolder, (e as NodeJS.ErrnoException).code ?? String(e)));
  }
  const skipped: SkippedFile[] = [];
  const bySeries = new Map<string, DicomImage[]>();
  for (const file of files) {
    if (!(await startsLikeDicom(file))) {
      skipped.push({ path: file, reason: 'not DICOM (no DICM marker, no data element at byte 0)' });
      continue;
    }
    let image: DicomImage;
    try {
      image = await readDicomFile(file, options);
    } catch (e) {
      if (!(e instanceof DicomError) || single) throw e;
      skipped.push({ path: file, reason: e.message });
      continue;
    }
    if (!image.hasPixelData) {
      skipped.push({ path: file, reason: `DICOM without Pixel Data (SOP Class ${image.meta.SOPClassUID ?? 'unknown'})`, nonImage: true });
      continue;
    }
    const uid = image.meta.SeriesInstanceUID;
    if (!uid) {
      const reason = messages.dicomNoSeriesUid(file);
      if (single) throw new DicomError(reason);
      skipped.push({ path: file, reason });
      continue;
    }
    const list = bySeries.get(uid) ?? [];
    list.push(image);
    bySeries.set(uid, list);
  }
  const series = [...bySeries.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([seriesUid, images]): DicomSeries => {
      const { ordered, orderedBy } = orderImages(images);
      return {
        seriesUid,
        modality: ordered[0]!.meta.Modality,
        description: ordered.find((i) => i.meta.SeriesDescription)?.meta.SeriesDescription ?? '',
        images: ordered,
        orderedBy,
      };
    });
  return Object.assign(series, { skipped });
}

/** Order one series' images; see the module comment. */
export function orderImages(images: DicomImage[]): { ordered: DicomImage[]; orderedBy: DicomSeries['orderedBy'] } {
  const byPath = [...images].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const normal = sliceNormal(byPath);
  if (normal) {
    const key = new Map(byPath.map((i) => [i, dot(i.meta.ImagePositionPatient!, normal)]));
    const ordered = [...byPath].sort((a, b) => key.get(a)! - key.get(b)! || instance(a) - instance(b));
    return { ordered, orderedBy: 'position' };
  }
  if (byPath.every((i) => i.meta.InstanceNumber !== undefined)) {
    return { ordered: [...byPath].sort((a, b) => instance(a) - instance(b)), orderedBy: 'instance-number' };
  }
  return { ordered: byPath, orderedBy: 'path' };
}

function instance(i: DicomImage): number {
  return i.meta.InstanceNumber ?? 0;
}

/** The common slice normal, or undefined when any image lacks position/orientation. */
function sliceNormal(images: DicomImage[]): [number, number, number] | undefined {
  if (!images.every((i) => i.meta.ImagePositionPatient && i.meta.ImageOrientationPatient)) return undefined;
  const [r0, r1, r2, c0, c1, c2] = images[0]!.meta.ImageOrientationPatient!;
  const n: [number, number, number] = [r1 * c2 - r2 * c1, r2 * c0 - r0 * c2, r0 * c1 - r1 * c0];
  return Math.hypot(...n) > 1e-6 ? n : undefined;
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
}

/** Regular files under `dir`, recursively, in path order; symbolic links are followed to files. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  for (const e of entries) {
    const path = join(e.parentPath ?? dir, e.name);
    if (e.isFile() || (e.isSymbolicLink() && (await stat(path).then((s) => s.isFile(), () => false)))) files.push(path);
  }
  return files.sort((a, b) => (relative(dir, a) < relative(dir, b) ? -1 : 1));
}

/** Read only the first 140 bytes to decide whether a file is DICOM at all. */
async function startsLikeDicom(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = new Uint8Array(140);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return looksLikeDicom(head.subarray(0, bytesRead), (await handle.stat()).size);
  } finally {
    await handle.close();
  }
}

/** Which series to keep (`source.series`): each key given must match. */
export interface SeriesFilter {
  uid?: readonly string[];
  modality?: readonly string[];
  description?: RegExp;
}

/** Split series into those `filter` keeps and those it drops; `skipped` stays with the kept list. */
export function selectSeries(list: DicomSeriesList, filter: SeriesFilter): { selected: DicomSeriesList; dropped: DicomSeries[] } {
  const keep = (s: DicomSeries): boolean =>
    (!filter.uid || filter.uid.includes(s.seriesUid)) &&
    (!filter.modality || filter.modality.some((m) => m.toUpperCase() === (s.modality ?? '').toUpperCase())) &&
    (!filter.description || filter.description.test(s.description));
  const selected = Object.assign(list.filter(keep), { skipped: list.skipped });
  return { selected, dropped: list.filter((s) => !keep(s)) };
}
