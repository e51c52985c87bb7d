/**
 * Objects without pixel data (issue 16): structured reports, RT plans and the like in a de-identified
 * folder are de-identified with the images by the same PS3.15 Annex E profile and UID map (SR content
 * trees emptied, as the Basic Profile's D on Content Sequence says), never passed through; one that
 * cannot be read as Part 10 is skipped by name. No person name, date, free text or instance UID of the
 * inputs survives in any output.
 */
import dcmjs from 'dcmjs';
import type { DicomDataset } from 'dcmjs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEIDENTIFY_MANIFEST } from '../src/io/dicom/deidentify.js';
import { runCli } from './helpers/cli.js';

const FIX = resolve('fixtures/dicom');
const NON_IMAGES = ['test-SR.dcm', 'reportsi.dcm', 'rtplan.dcm'];
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-deid-nonimage-'));
  await mkdir(join(dir, 'in'));
  for (const f of ['MR_small.dcm', ...NON_IMAGES, 'rtstruct.dcm']) await copyFile(join(FIX, f), join(dir, 'in', f));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Element = { vr: string; Value?: unknown[] };
const parse = (bytes: Buffer): DicomDataset => dcmjs.data.DicomMessage.readFile(new Uint8Array(bytes).buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).dict;

/** Every value that identifies someone or something in the file: person names, dates, free text, instance UIDs. */
function identifiers(ds: DicomDataset, out = new Set<string>()): Set<string> {
  for (const [tag, el] of Object.entries(ds as Record<string, Element>)) {
    if (el.vr === 'SQ') {
      for (const item of (el.Value ?? []) as DicomDataset[]) identifiers(item, out);
      continue;
    }
    // Class UIDs and the Coding Scheme Identification Sequence's UID, name and organisation (0008,010C,
    // 0008,0115, 0008,0116) describe standards, not a patient or an instance.
    const standard = ['0008010C', '00080115', '00080116', '00080016', '00081150', '00020002', '00020010', '00020012'].includes(tag);
    if (!['PN', 'DA', 'DT', 'UT', 'LT', 'ST', 'UI'].includes(el.vr) || standard) continue;
    for (const v of el.Value ?? []) {
      const s = v && typeof v === 'object' ? (v as { Alphabetic?: string }).Alphabetic : v == null ? undefined : String(v);
      if (s && s.length >= 6 && !s.startsWith('1.2.840.10008')) out.add(s);
    }
  }
  return out;
}

describe('de-identifying a folder with SR, RT plan and images (issue 16)', () => {
  it('de-identifies the objects without pixel data too, leaking none of their identifiers', async () => {
    const spec = join(dir, 'spec.yaml');
    await writeFile(spec, `version: 1\nname: deid\nsource: { path: in, format: dicom }\ntasks:\n  - { type: deidentify, output: { path: out }, audit: { path: audit.json } }\n`);
    const r = await runCli('run', spec);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`tasks[0] deidentify: skipped ${join(dir, 'in', 'rtstruct.dcm')}: not a DICOM Part 10 file`);
    expect(r.stderr).toContain('de-identified 4 files');

    const names = (await readdir(join(dir, 'out'))).filter((f) => f.endsWith('.dcm'));
    const outputs = await Promise.all(names.map((f) => readFile(join(dir, 'out', f))));
    const parsed = outputs.map(parse);
    const classes = parsed.map((d) => (d['00080016'] as Element).Value![0]).sort();
    // Comprehensive SR, Basic Text SR, MR image, RT Plan: each kept its SOP class.
    expect(classes).toEqual(['1.2.840.10008.5.1.4.1.1.4', '1.2.840.10008.5.1.4.1.1.481.5', '1.2.840.10008.5.1.4.1.1.88.11', '1.2.840.10008.5.1.4.1.1.88.33']);
    for (const d of parsed) expect((d['00120062'] as Element).Value).toEqual(['YES']); // Patient Identity Removed

    const text = outputs.map((b) => b.toString('latin1')).join('\n');
    for (const f of NON_IMAGES) {
      const ids = identifiers(parse(await readFile(join(FIX, f))));
      expect(ids.size, f).toBeGreaterThan(3);
      expect([...ids].filter((s) => text.includes(s)), f).toEqual([]);
    }
    // The audit trail lists each of them with its output.
    const audit = JSON.parse(await readFile(join(dir, 'audit.json'), 'utf8')) as { files: { input: string; output: string }[]; skipped: { path: string }[] };
    expect(audit.files.map((f) => f.input.split('/').pop()).sort()).toEqual(['MR_small.dcm', ...NON_IMAGES].sort());
    expect(audit.skipped.map((s) => s.path.split('/').pop())).toEqual(['rtstruct.dcm']);
  }, 60_000);

  it('layout: patient/study/series writes <PatientID>/<StudyUID>/<SeriesUID>/<SOPInstanceUID>.dcm, and a re-run replaces it', async () => {
    const spec = join(dir, 'layout.yaml');
    const write = (layout: string) =>
      writeFile(spec, `version: 1\nname: deid\nsource: { path: in, format: dicom }\ntasks:\n  - { type: deidentify, output: { path: tree }, secret: { env: SYNTHDIFF_TEST_SECRET }, layout: ${layout} }\n`);
    process.env.SYNTHDIFF_TEST_SECRET = 'layout-test';
    try {
      await write('patient/study/series');
      expect((await runCli('run', spec, '-q')).code).toBe(0);
      const files = (await readdir(join(dir, 'tree'), { recursive: true })).filter((f) => f.endsWith('.dcm')).sort();
      expect(files).toHaveLength(4);
      for (const f of files) {
        const parts = f.split('/');
        expect(parts).toHaveLength(4);
        const d = parse(await readFile(join(dir, 'tree', f)));
        const v = (tag: string) => String((d[tag] as Element | undefined)?.Value?.[0] ?? '');
        // Each folder is the file's own de-identified value.
        expect(parts).toEqual([v('00100020') || 'unknown', v('0020000D'), v('0020000E'), `${v('00080018')}.dcm`]);
      }
      // The manifest (what a re-run removes) lists the relative paths.
      const manifest = JSON.parse(await readFile(join(dir, 'tree', DEIDENTIFY_MANIFEST), 'utf8')) as { files: string[] };
      expect([...manifest.files].sort()).toEqual(files);

      // Re-run flat into the same folder: the tree of the previous run is gone, folders and all.
      await write('flat');
      expect((await runCli('run', spec, '-q')).code).toBe(0);
      const after = await readdir(join(dir, 'tree'), { recursive: true });
      expect(after.filter((f) => f.endsWith('.dcm')).every((f) => !f.includes('/'))).toBe(true);
      expect(after.filter((f) => f.endsWith('.dcm'))).toHaveLength(4);
      expect(after.filter((f) => !f.endsWith('.dcm') && !f.endsWith('.json'))).toEqual([]);
    } finally {
      delete process.env.SYNTHDIFF_TEST_SECRET;
    }
  }, 60_000);
});
