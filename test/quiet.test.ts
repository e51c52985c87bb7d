/**
 * `run -q` prints nothing (issue 17): no progress, and no native warning from a GPU runtime that cannot
 * start — Dawn's "Couldn't load Vulkan … at operator() (…BackendVk.cpp:368)" on a machine without a
 * Vulkan loader, which the backend ladder now does not start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vulkanLoaderFound } from '../src/backend/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-quiet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('run -q', () => {
  it.skipIf(vulkanLoaderFound())('prints nothing to stderr with device: auto on a machine without Vulkan', async () => {
    const spec = join(dir, 'spec.yaml');
    await writeFile(spec, `version: 1\nname: quiet\nsource: { path: ${resolve('fixtures/tables/survival__pbc.csv')} }\nmodel: { device: auto, steps: 5, width: 8, depth: 1 }\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', resolve('src/cli/main.ts'), 'run', spec, '-q'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);
});
