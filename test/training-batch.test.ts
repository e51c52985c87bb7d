import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readTable } from '../src/io/table-io.js';
import { TableEncoder } from '../src/table/encode.js';
import { DEFAULT_MASK_POLICY, fillTrainingBatch } from '../src/diffusion/masks.js';
import { createRng } from '../src/rng.js';

// airquality: Ozone and Solar.R have holes, so the encoder adds missingness flags and its mask is wider than the table.
const AIRQUALITY = join(import.meta.dirname, '..', 'fixtures', 'tables', 'datasets__airquality.csv');

describe('fillTrainingBatch', () => {
  it('fills a batch of finite values with the mask width training uses, and refuses the table width', async () => {
    const table = (await readTable(AIRQUALITY)).table;
    const enc = TableEncoder.fit(table);
    expect(enc.nMaskColumns).toBeGreaterThan(table.columns.length);
    const e = enc.encode(table);
    const x = Float32Array.from(e.x);
    const B = 64, D = enc.dim;
    const out = { x0: new Float32Array(B * D), cond: new Float32Array(B * D), target: new Float32Array(B * D) };
    const rows = Int32Array.from({ length: B }, (_, i) => i);
    fillTrainingBatch(rows, x, e.observed, enc.dimColumn, enc.nMaskColumns, createRng(1), DEFAULT_MASK_POLICY, out);
    for (const a of [out.x0, out.cond, out.target]) expect(a.every(Number.isFinite)).toBe(true);
    expect(out.target.some((v) => v === 1)).toBe(true);
    // The bench's train-step harness passed the table's column count here, reading `observed` at the wrong
    // stride and leaving NaN in the conditioning input.
    expect(() => fillTrainingBatch(rows, x, e.observed, enc.dimColumn, table.columns.length, createRng(1), DEFAULT_MASK_POLICY, out)).toThrow(
      `fillTrainingBatch: dimension ${enc.dimColumn.findIndex((j) => j >= table.columns.length)} belongs to mask column ${table.columns.length}, but nColumns is ${table.columns.length}`,
    );
  });
});
