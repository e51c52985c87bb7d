import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { Logger } from '../report/log.js';
import { redactPaths } from '../report/redact.js';

/** Where a report goes: its folder, whether an HTML page goes beside the JSON, and `records: false`. */
export interface ReportPlace {
  dir: string;
  html: boolean;
  records?: false;
}

/**
 * The one writer of every report (run, image run, merge, evaluate): `<name>.json`, any extra files (an
 * image run's overview PNG), then `<name>.html` when asked — each written atomically and logged the same
 * way. With `records: false` absolute local paths become file names first (report/redact.ts).
 */
export async function writeReport<R>(
  full: R,
  where: ReportPlace | undefined,
  renderHtml: ((r: R) => string) | undefined,
  log: Logger,
  opts: { name?: string; extras?: (r: R) => { file: string; data: string | Uint8Array }[] } = {},
): Promise<void> {
  if (!where) return;
  const name = opts.name ?? 'report';
  const report = where.records === false ? redactPaths(full) : full;
  const json = join(where.dir, `${name}.json`);
  await writeFileAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
  log.info(`report: ${json}`);
  for (const x of opts.extras?.(report) ?? []) await writeFileAtomic(join(where.dir, x.file), x.data);
  if (where.html && renderHtml) {
    const html = join(where.dir, `${name}.html`);
    await writeFileAtomic(html, renderHtml(report));
    log.info(`report: ${html}`);
  }
}
