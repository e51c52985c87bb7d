import { basename, isAbsolute } from 'node:path';

/**
 * The report with every absolute local path cut to its file name (`report.records: false`, `evaluate
 * --no-records`): a report shared outside the site should not say where the data lives (user names, study
 * folders). Relative paths and other strings stay as they are.
 */
export function redactPaths<T>(report: T): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return isAbsolute(v) && v.length > 1 ? basename(v) : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(report) as T;
}
