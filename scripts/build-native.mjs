#!/usr/bin/env node
// Builds native/blas.c into build/synthdiff-blas.node at `npm install` (the package's install script):
// the wasm backend's matrix multiplies through OpenBLAS (src/backend/native-blas.ts). Optional by design:
// without a C compiler, Node's headers or OpenBLAS (Debian: libopenblas-dev) it says so in one line and
// exits 0, and synthdiff runs on XNNPACK alone. SYNTHDIFF_BLAS=off skips the build too.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'synthdiff-blas.node');
const say = (msg) => console.log(`synthdiff: ${msg}`);

if (/^(0|off|false|no)$/i.test(process.env.SYNTHDIFF_BLAS ?? '')) {
  say('native matrix multiply not built (SYNTHDIFF_BLAS=off)');
  process.exit(0);
}
// A build of older source must not outlive a failed rebuild (its functions may not match the loader's).
rmSync(out, { force: true });
// Node's own headers: next to the binary (official tarballs, nvm), Debian's nodejs package, or node-gyp's cache.
const headers = [
  join(dirname(process.execPath), '..', 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
  join(homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
].find((d) =>
  existsSync(join(d, 'node_api.h')),
);
if (!headers) {
  say('native matrix multiply not built (no node_api.h: Node headers not installed); running on XNNPACK alone');
  process.exit(0);
}
const cc = process.env.CC || 'cc';
const tmp = `${out}.tmp-${process.pid}`;
mkdirSync(dirname(out), { recursive: true });
const flags = ['-O3', '-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=synthdiff_blas', `-I${headers}`];
let last = '';
// Debian/Ubuntu put cblas.h in /usr/include/x86_64-linux-gnu (found by default) or /usr/include/openblas.
for (const extra of [[], ['-I/usr/include/openblas'], ['-I/opt/homebrew/opt/openblas/include', '-L/opt/homebrew/opt/openblas/lib']]) {
  try {
    execFileSync(cc, [...flags, ...extra, join(root, 'native', 'blas.c'), '-o', tmp, '-lopenblas', '-lm'], { stdio: 'pipe' });
    renameSync(tmp, out);
    say(`native matrix multiply built (${out.slice(root.length + 1)}, OpenBLAS)`);
    process.exit(0);
  } catch (e) {
    rmSync(tmp, { force: true });
    last = String(e.stderr || '').trim().split('\n')[0] || `exit status ${e.status}`;
  }
}
say(`native matrix multiply not built (${cc} with OpenBLAS failed: ${last}); running on XNNPACK alone (Debian: apt install libopenblas-dev)`);
