import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempSibling, writeFileAtomic } from '../src/io/atomic.js';
import { writeCsv } from '../src/io/csv.js';
import { DataError } from '../src/errors.js';
import { concatParts } from '../src/run/shard/merge.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'synthdiff-atomic-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const host = hostname().replace(/[^A-Za-z0-9_]/g, '_') || 'host';

describe('temp files of killed writers (issue 17)', () => {
  it('the next write of the same file removes the ones whose writer is gone, and no other', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const target = join(dir, 'out.csv');
      const names = {
        dead: `.out.csv.tmp-${host}-${dead}-0123abcd`,
        live: `.out.csv.tmp-${host}-${live.pid}-0123abcd`,
        otherHost: `.out.csv.tmp-elsewhere_node-${dead}-0123abcd`,
        oldStyle: '.out.csv.tmp-89abcdef',
        otherFile: `.other.csv.tmp-${host}-${dead}-0123abcd`,
      };
      for (const n of Object.values(names)) writeFileSync(join(dir, n), 'partial');
      expect(tempSibling(target)).toMatch(new RegExp(`/\\.out\\.csv\\.tmp-${host}-${process.pid}-[0-9a-f]{8}$`));
      await writeCsv(target, { nRows: 1, columns: [{ name: 'x', kind: 'numeric', values: Float64Array.of(1) }] });
      const left = readdirSync(dir).sort();
      expect(left).toEqual([names.live, names.oldStyle, names.otherFile, names.otherHost, 'out.csv'].sort());
      // writeFileAtomic (checkpoints, reports) cleans the same way.
      await writeFileAtomic(join(dir, 'other.csv'), 'x\n');
      expect(readdirSync(dir)).not.toContain(names.otherFile);
    } finally {
      live.kill();
    }
  });
});

describe('a write the filesystem refuses is a one-line error naming the output (issue 17)', () => {
  const table = { nRows: 1, columns: [{ name: 'x', kind: 'numeric' as const, values: Float64Array.of(1) }] };
  it('a folder where the file goes, and a file in the way of its folder', async () => {
    const folder = join(dir, 'is-a-folder.csv');
    mkdirSync(folder);
    await expect(writeFileAtomic(folder, 'x')).rejects.toThrow(new DataError(`${folder}: cannot write: it is a folder`));
    await expect(writeCsv(folder, table)).rejects.toThrow(new DataError(`${folder}: cannot write: it is a folder`));
    const file = join(dir, 'plain.txt');
    writeFileSync(file, 'x');
    await expect(writeCsv(join(file, 'out.csv'), table)).rejects.toThrow(new DataError(`${join(file, 'out.csv')}: cannot write: a file is in the way of its folder`));
    expect(readdirSync(dir).filter((n) => n.startsWith('.is-a-folder.csv.tmp-'))).toEqual([]);
  });
});

describe('merge cleans up after killed merges too (issue 17)', () => {
  it('concatParts removes the temp files a killed writer of the merged file left', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const parts = [join(dir, 'p0.csv'), join(dir, 'p1.csv')];
    writeFileSync(parts[0]!, 'x\n1\n');
    writeFileSync(parts[1]!, 'x\n2\n');
    const target = join(dir, 'merged.csv');
    const stale = join(dir, `.merged.csv.tmp-${host}-${dead}-0123abcd`);
    writeFileSync(stale, 'partial');
    await concatParts(parts, target);
    expect(readFileSync(target, 'utf8')).toBe('x\n1\n2\n');
    expect(readdirSync(dir).filter((n) => n.startsWith('.merged.csv.tmp-'))).toEqual([]);
  });
});
