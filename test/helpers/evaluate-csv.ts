/**
 * Test-only loader for the simple R-exported CSVs in fixtures/evaluate (header row, quoted strings, empty
 * field = missing, no embedded newlines). Kept separate from src/io so evaluator tests do not depend on the
 * production loader. A column is numeric when every non-empty field is an unquoted number, else categorical
 * with categories in order of first appearance.
 */
import { readFileSync } from 'node:fs';
import type { Column, Table } from '../../src/table/table.js';

function splitLine(line: string): { text: string; quoted: boolean }[] {
  const out: { text: string; quoted: boolean }[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let text = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          text += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else text += line[i++];
      }
      out.push({ text, quoted: true });
      i++; // the comma
    } else {
      const j = line.indexOf(',', i);
      const end = j < 0 ? line.length : j;
      out.push({ text: line.slice(i, end), quoted: false });
      i = end + 1;
    }
  }
  return out;
}

export function readFixtureCsv(path: string, integerColumns: readonly string[] = []): Table {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = splitLine(lines[0]!).map((f) => f.text);
  const rows = lines.slice(1).map(splitLine);
  const columns: Column[] = header.map((name, j) => {
    const fields = rows.map((r) => r[j] ?? { text: '', quoted: false });
    const numeric = fields.every((f) => f.text === '' || (!f.quoted && Number.isFinite(Number(f.text))));
    if (numeric) {
      const values = Float64Array.from(fields, (f) => (f.text === '' ? NaN : Number(f.text)));
      const kind = integerColumns.includes(name) ? 'integer' : 'numeric';
      return { name, kind, values };
    }
    const categories: string[] = [];
    const index = new Map<string, number>();
    const codes = Int32Array.from(fields, (f) => {
      if (f.text === '') return -1;
      let k = index.get(f.text);
      if (k === undefined) {
        k = categories.length;
        categories.push(f.text);
        index.set(f.text, k);
      }
      return k;
    });
    return { name, kind: 'categorical', codes, categories };
  });
  return { nRows: rows.length, columns };
}

export const PENGUINS = new URL('../../fixtures/evaluate/palmerpenguins__penguins.csv', import.meta.url).pathname;
export const CREDIT = new URL('../../fixtures/evaluate/modeldata__credit_data.csv', import.meta.url).pathname;
