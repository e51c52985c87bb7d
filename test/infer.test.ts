import { describe, expect, it } from 'vitest';
import { readCsv } from '../src/io/csv.js';
import { DataError } from '../src/errors.js';
import {
  CellError,
  type ColumnSchema,
  type TableSchema,
  columnFromStrings,
  formatSchema,
  inferKind,
  profileTable,
  retypeColumn,
} from '../src/table/infer.js';
import { type Column, type Table, cellValue, column } from '../src/table/table.js';
import { formatDatetime, parseDatetime, parseNumber, sortCategories } from '../src/table/values.js';

const FIXTURES = 'fixtures/tables';

/** Build a column from plain cell texts, the way the CSV reader does. */
function fromTexts(texts: string[], extra: { kind?: Column['kind']; missing?: string[]; textHint?: boolean } = {}) {
  const values: string[] = [];
  const seen = new Map<string, number>();
  const index = Int32Array.from(texts, (t) => {
    let d = seen.get(t);
    if (d === undefined) {
      d = values.length;
      values.push(t);
      seen.set(t, d);
    }
    return d;
  });
  return columnFromStrings({
    name: 'x',
    values,
    index,
    nRows: texts.length,
    missing: new Set(extra.missing ?? []),
    kind: extra.kind,
    textHint: extra.textHint,
  });
}

const cells = (c: Column) => Array.from({ length: 'codes' in c ? c.codes.length : c.values.length }, (_, r) => cellValue(c, r));

describe('inferKind', () => {
  it('reads plain numbers as integer or numeric', () => {
    expect(inferKind(['1', '-2', '+3', '1e3'])).toEqual({ kind: 'integer' });
    expect(inferKind(['1', '2.5', '.5', '-1.5e-3'])).toEqual({ kind: 'numeric' });
    expect(inferKind(['1', 'Inf', '-Infinity'])).toEqual({ kind: 'numeric' });
    // Beyond 2^53 an integer is no longer exact in a float64.
    expect(inferKind(['9007199254740993'])).toEqual({ kind: 'numeric' });
  });

  it('keeps codes with leading zeros, hex, thousands separators and padded numbers as labels', () => {
    for (const odd of [['007', '12'], ['0x1F'], ['1,000'], [' 5'], ['NaN', '1']]) {
      expect(inferKind(odd).kind, odd.join('|')).toBe('categorical');
    }
    expect(inferKind(['0', '0.5', '-0.25'])).toEqual({ kind: 'numeric' });
  });

  it('recognises only R/Python spellings of booleans, one spelling per column', () => {
    expect(inferKind(['TRUE', 'FALSE']).kind).toBe('boolean');
    expect(inferKind(['true']).kind).toBe('boolean');
    expect(inferKind(['True', 'False']).kind).toBe('boolean');
    expect(inferKind(['yes', 'no']).kind).toBe('categorical');
    expect(inferKind(['TRUE', 'false']).kind).toBe('categorical');
    expect(inferKind(['0', '1']).kind).toBe('integer');
  });

  it('recognises ISO dates and datetimes, rejecting impossible ones', () => {
    expect(inferKind(['2020-01-31', '1999-12-01'])).toEqual({ kind: 'datetime', resolution: 'date' });
    expect(inferKind(['2020-01-31', '2020-02-01T10:00', '2020-02-01 10:00:01.5Z'])).toEqual({
      kind: 'datetime',
      resolution: 'datetime',
    });
    expect(inferKind(['2021-02-29']).kind).toBe('categorical');
    expect(inferKind(['2020-13-01']).kind).toBe('categorical');
    expect(inferKind(['2020-01-01T24:00']).kind).toBe('categorical');
    expect(inferKind(['01/02/2020']).kind).toBe('categorical');
  });

  it('reads quoted numbers as labels when asked (textHint), but still finds dates and booleans', () => {
    expect(inferKind(['1', '10', '2'], true).kind).toBe('categorical');
    expect(inferKind(['2020-01-01'], true).kind).toBe('datetime');
    expect(inferKind(['TRUE'], true).kind).toBe('boolean');
  });

  it('makes an all-missing column numeric', () => {
    expect(inferKind([])).toEqual({ kind: 'numeric' });
    const c = fromTexts(['', '', '']);
    expect(c.kind).toBe('numeric');
    expect(cells(c)).toEqual([null, null, null]);
  });
});

describe('values', () => {
  it('parses datetimes as UTC epoch ms, honouring offsets and years below 100', () => {
    expect(parseDatetime('1970-01-02')).toEqual({ ms: 86_400_000, dateOnly: true });
    expect(parseDatetime('2000-03-01T12:30:15.250Z')!.ms).toBe(Date.UTC(2000, 2, 1, 12, 30, 15, 250));
    expect(parseDatetime('2000-03-01 12:30')!.ms).toBe(Date.UTC(2000, 2, 1, 12, 30));
    expect(parseDatetime('2000-03-01T12:30:00+02:00')!.ms).toBe(Date.UTC(2000, 2, 1, 10, 30));
    expect(parseDatetime('0050-06-15')!.ms).toBe(new Date('0050-06-15T00:00:00Z').getTime());
    expect(formatDatetime(parseDatetime('0050-06-15')!.ms, 'date')).toBe('0050-06-15');
    expect(formatDatetime(Date.UTC(2021, 0, 1, 13), 'date')).toBe('2021-01-02'); // rounds to the nearest day
    expect(formatDatetime(Date.UTC(2021, 0, 1, 1, 2, 3, 4), 'datetime')).toBe('2021-01-01T01:02:03.004Z');
  });

  it('sorts categories numerically when all look numeric, else by code unit, independent of locale', () => {
    expect(sortCategories(['10', '2', '1', '1.5'])).toEqual(['1', '1.5', '2', '10']);
    expect(sortCategories(['b', 'B', 'a', 'Ä', '10', '9'])).toEqual(['10', '9', 'B', 'a', 'b', 'Ä']);
  });

  it('accepts leading zeros only when a numeric kind is forced', () => {
    expect(parseNumber('007')).toBeUndefined();
    expect(parseNumber('007', false)).toBe(7);
  });
});

describe('columnFromStrings', () => {
  it('builds sorted categories and -1 for missing, with configurable missing tokens', () => {
    const c = fromTexts(['b', 'NA', 'a', '', 'None', 'b'], { missing: ['NA'] });
    expect(c.kind).toBe('categorical');
    expect('categories' in c && c.categories).toEqual(['None', 'a', 'b']);
    expect(cells(c)).toEqual(['b', null, 'a', null, 'None', 'b']);
  });

  it('gives booleans the [false, true] labels of their spelling', () => {
    const c = fromTexts(['TRUE', '', 'TRUE']);
    expect(c.kind).toBe('boolean');
    expect('categories' in c && c.categories).toEqual(['FALSE', 'TRUE']);
    expect('codes' in c && Array.from(c.codes)).toEqual([1, -1, 1]);
  });

  it('forces kinds, and names the first row of a value the forced kind cannot read', () => {
    expect(fromTexts(['1', '2', '1'], { kind: 'categorical' })).toMatchObject({ categories: ['1', '2'] });
    expect(fromTexts(['no', 'yes', 'no'], { kind: 'boolean' })).toMatchObject({ categories: ['no', 'yes'] });
    expect(fromTexts(['007', '8'], { kind: 'integer' })).toMatchObject({ kind: 'integer' });
    const err = (() => {
      try {
        fromTexts(['1', '2', '2.5', '2.5'], { kind: 'integer' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CellError);
    expect(err).toBeInstanceOf(DataError);
    expect((err as CellError).row).toBe(2);
    expect((err as Error).message).toContain('column "x", row 3: "2.5" is not an integer');
    expect(() => fromTexts(['yes', 'TRUE'], { kind: 'boolean' })).toThrow(/"TRUE" is not a boolean/);
    expect(() => fromTexts(['2020-01-01', 'soon'], { kind: 'datetime' })).toThrow(/row 2: "soon" is not a datetime/);
  });
});

describe('retypeColumn', () => {
  it('turns integer codes into categories and back, as the CSV text would read', () => {
    const codes = fromTexts(['3', '1', '', '2', '1']);
    const cat = retypeColumn(codes, { kind: 'categorical' });
    expect(cat).toMatchObject({ kind: 'categorical', categories: ['1', '2', '3'] });
    expect(cells(cat)).toEqual(['3', '1', null, '2', '1']);
    expect(cells(retypeColumn(cat, { kind: 'integer' }))).toEqual([3, 1, null, 2, 1]);
  });

  it('applies missing tokens without changing the kind', () => {
    const c = fromTexts(['-99', '4', '5']);
    expect(cells(retypeColumn(c, { missing: ['-99'] }))).toEqual([null, 4, 5]);
    const b = fromTexts(['TRUE', 'FALSE', 'TRUE']);
    expect(retypeColumn(b, { missing: ['FALSE'] })).toMatchObject({ kind: 'boolean', categories: ['TRUE'] });
  });

  it('fails with a CellError for a label the new kind cannot read', () => {
    expect(() => retypeColumn(fromTexts(['a', 'b']), { kind: 'numeric' })).toThrow(CellError);
  });
});

// INVENTORY.csv from ../shared/data/tabular (verbatim rows for the fixture tables): file, rows, cols,
// numeric, categorical, datetime, missing_cells. gss_cat's fixture is a 5,000-row head, so its
// row and missing counts do not apply.
const INVENTORY: Record<string, [number, number, number, number, number, number]> = {
  'MASS__birthwt.csv': [189, 10, 10, 0, 0, 0],
  'carData__SLID.csv': [7425, 5, 3, 2, 0, 3648],
  'datasets__airquality.csv': [153, 6, 6, 0, 0, 44],
  'datasets__iris.csv': [150, 5, 4, 1, 0, 0],
  'forcats__gss_cat.csv': [21483, 9, 3, 6, 0, 10222],
  'mice__boys.csv': [748, 9, 6, 3, 0, 1622],
  'mice__nhanes.csv': [25, 4, 4, 0, 0, 27],
  'mlbench__BreastCancer.csv': [699, 11, 0, 11, 0, 16],
  'modeldata__credit_data.csv': [4454, 14, 9, 5, 0, 455],
  'palmerpenguins__penguins.csv': [344, 8, 5, 3, 0, 19],
  'survival__pbc.csv': [418, 20, 19, 1, 0, 1033],
};

// Hand-checked against the files: i = integer, n = numeric, c = categorical; * = possiblyCategorical.
const EXPECTED_KINDS: Record<string, Record<string, string>> = {
  'survival__pbc.csv': {
    id: 'i', time: 'i', status: 'i*', trt: 'i*', age: 'n', sex: 'c', ascites: 'i*', hepato: 'i*',
    spiders: 'i*', edema: 'n', bili: 'n', chol: 'i', albumin: 'n', copper: 'i', 'alk.phos': 'n',
    ast: 'n', trig: 'i', platelet: 'i', protime: 'n', stage: 'i*',
  },
  'MASS__birthwt.csv': {
    low: 'i*', age: 'i', lwt: 'i', race: 'i*', smoke: 'i*', ptl: 'i*', ht: 'i*', ui: 'i*', ftv: 'i*', bwt: 'i',
  },
  'modeldata__credit_data.csv': {
    Status: 'c', Seniority: 'i', Home: 'c', Time: 'i', Age: 'i', Marital: 'c', Records: 'c', Job: 'c',
    Expenses: 'i', Income: 'i', Assets: 'i', Debt: 'i', Amount: 'i', Price: 'i',
  },
  'palmerpenguins__penguins.csv': {
    species: 'c', island: 'c', bill_length_mm: 'n', bill_depth_mm: 'n', flipper_length_mm: 'i',
    body_mass_g: 'i', sex: 'c', year: 'i*',
  },
  'mice__boys.csv': { age: 'n', hgt: 'n', wgt: 'n', bmi: 'n', hc: 'n', gen: 'c', phb: 'c', tv: 'i', reg: 'c' },
  'datasets__airquality.csv': { Ozone: 'i', 'Solar.R': 'i', Wind: 'n', Temp: 'i', Month: 'i*', Day: 'i' },
  'mice__nhanes.csv': { age: 'i*', bmi: 'n', hyp: 'i*', chl: 'i' },
  'forcats__gss_cat.csv': {
    year: 'i*', marital: 'c', age: 'i', race: 'c', rincome: 'c', partyid: 'c', relig: 'c', denom: 'c', tvhours: 'i',
  },
  'mlbench__BreastCancer.csv': Object.fromEntries(
    ['Id', 'Cl.thickness', 'Cell.size', 'Cell.shape', 'Marg.adhesion', 'Epith.c.size', 'Bare.nuclei',
      'Bl.cromatin', 'Normal.nucleoli', 'Mitoses', 'Class'].map((n) => [n, 'c']),
  ),
};

const kindCode = (c: ColumnSchema) => c.kind[0]! + (c.possiblyCategorical ? '*' : '');

describe('inference on real tables', () => {
  const schemas = new Map<string, { table: Table; schema: TableSchema }>();
  const load = async (f: string) => {
    if (!schemas.has(f)) schemas.set(f, await readCsv(`${FIXTURES}/${f}`));
    return schemas.get(f)!;
  };

  it.each(Object.keys(EXPECTED_KINDS))('%s: kinds match the hand-checked expectation', async (f) => {
    const { schema } = await load(f);
    expect(Object.fromEntries(schema.columns.map((c) => [c.name, kindCode(c)]))).toEqual(EXPECTED_KINDS[f]);
  });

  it.each(Object.keys(INVENTORY))('%s: agrees with INVENTORY.csv', async (f) => {
    const { schema } = await load(f);
    const [rows, cols, numeric, categorical, datetime, missing] = INVENTORY[f]!;
    const count = (kinds: string[]) => schema.columns.filter((c) => kinds.includes(c.kind)).length;
    expect(schema.columns.length).toBe(cols);
    expect(count(['numeric', 'integer'])).toBe(numeric);
    expect(count(['categorical', 'boolean'])).toBe(categorical);
    expect(count(['datetime'])).toBe(datetime);
    if (f !== 'forcats__gss_cat.csv') {
      expect(schema.nRows).toBe(rows);
      expect(schema.columns.reduce((s, c) => s + c.missing, 0)).toBe(missing);
    }
  });

  it('keeps "None" as a gss_cat category unless the caller calls it missing', async () => {
    const { table, schema } = await load('forcats__gss_cat.csv');
    const relig = schema.columns.find((c) => c.name === 'relig')!;
    expect(relig.categories).toContain('None');
    expect(relig.missing).toBe(0);
    const noneRows = relig.counts![relig.categories!.indexOf('None')]!;
    expect(noneRows).toBeGreaterThan(0);
    const again = await readCsv(`${FIXTURES}/forcats__gss_cat.csv`, { columns: { relig: { missing: ['None'] } } });
    const r2 = again.schema.columns.find((c) => c.name === 'relig')!;
    expect(r2.categories).not.toContain('None');
    expect(r2.missing).toBe(noneRows);
    // Only that column changed.
    expect(again.schema.columns.filter((c) => c.name !== 'relig')).toEqual(schema.columns.filter((c) => c.name !== 'relig'));
    expect(column(table, 'tvhours').kind).toBe('integer');
  });

  it('flags integer codes as possibly categorical: pbc status/stage, birthwt race/smoke', async () => {
    const pbc = (await load('survival__pbc.csv')).schema.columns;
    const bw = (await load('MASS__birthwt.csv')).schema.columns;
    const flag = (cols: readonly ColumnSchema[], n: string) => cols.find((c) => c.name === n)!.possiblyCategorical ?? false;
    expect(['status', 'stage'].map((n) => flag(pbc, n))).toEqual([true, true]);
    expect(['race', 'smoke'].map((n) => flag(bw, n))).toEqual([true, true]);
    expect(['id', 'time', 'platelet'].map((n) => flag(pbc, n))).toEqual([false, false, false]);
    expect(flag(bw, 'bwt')).toBe(false);
  });

  it('lets overrides force integer codes and numbers to categorical', async () => {
    const { table, schema } = await readCsv(`${FIXTURES}/MASS__birthwt.csv`, {
      columns: { race: { kind: 'categorical' }, smoke: { kind: 'boolean' }, bwt: { kind: 'numeric' } },
    });
    expect(schema.columns.find((c) => c.name === 'race')).toMatchObject({ kind: 'categorical', categories: ['1', '2', '3'] });
    expect(schema.columns.find((c) => c.name === 'smoke')).toMatchObject({ kind: 'boolean', categories: ['0', '1'] });
    expect(column(table, 'bwt').kind).toBe('numeric');
  });

  it('reads BreastCancer quoted scores as numbers when quotedAsText is off', async () => {
    const { schema } = await readCsv(`${FIXTURES}/mlbench__BreastCancer.csv`, { quotedAsText: false });
    expect(schema.columns.find((c) => c.name === 'Cl.thickness')).toMatchObject({ kind: 'integer', possiblyCategorical: true });
    expect(schema.columns.find((c) => c.name === 'Class')!.kind).toBe('categorical');
  });
});

describe('profileTable / formatSchema', () => {
  it('summarises each kind', () => {
    const table: Table = {
      nRows: 4,
      columns: [
        fromTexts(['1.5', '2.5', '', '4']),
        fromTexts(['a', 'b', 'a', '']),
        fromTexts(['2020-01-01', '2020-03-01', '', '2019-12-31']),
        { ...fromTexts(['1', '2', '1', '2']), name: 'code' },
      ].map((c, i) => ({ ...c, name: i === 3 ? 'code' : `c${i}` })),
    };
    const s = profileTable(table);
    expect(s.nRows).toBe(4);
    expect(s.columns[0]).toMatchObject({ kind: 'numeric', missing: 1, distinct: 3, min: 1.5, max: 4 });
    expect(s.columns[0]!.mean).toBeCloseTo(8 / 3, 12);
    expect(s.columns[1]).toMatchObject({ kind: 'categorical', missing: 1, distinct: 2, categories: ['a', 'b'], counts: [2, 1] });
    expect(s.columns[2]).toMatchObject({ kind: 'datetime', resolution: 'date', min: Date.UTC(2019, 11, 31), max: Date.UTC(2020, 2, 1) });
    expect(s.columns[3]).toMatchObject({ kind: 'integer', distinct: 2, possiblyCategorical: true });
    const text = formatSchema(s);
    expect(text).toContain('4 rows × 4 columns');
    expect(text).toContain('2019-12-31 … 2020-03-01');
    expect(text).toContain('"a" 2, "b" 1');
    expect(text).toMatch(/code\s+integer\*/);
    const lines = text.trimEnd().split('\n');
    // Fixed width: the kind column starts at the same offset on every row.
    const at = lines[1]!.indexOf('kind');
    for (const l of lines.slice(2, 6)) expect(l.slice(at)).toMatch(/^(numeric|categorical|datetime|integer)/);
  });
});
