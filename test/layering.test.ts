import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/, highest first. A module may import from its own group and from any lower layer,
 * never upwards, and never sideways into another group of its own layer. The most specific group wins
 * (`report/model.ts` is its own group below the rest of `report/`).
 *
 *   cli, index.ts → api → run → spec → report (renderers, logger) → stats → report/model.ts → impute → evaluate → diffusion → io
 *     → table / backend → errors / messages / rng / linalg
 *
 * `index.ts` is the library's entry point beside the CLI; `api/` (the model facade, evaluate, runPipeline
 * from code) sits above `run/`, whose pieces it reuses.
 *
 * `stats/` sits above `evaluate/` (its mergeable sums reuse evaluate's metrics: histogram edges, DCR,
 * AUC) and above the report contract it fills in (merged fidelity, privacy, summaries). `impute/` (the
 * chained-forest engines and the validated blend) sits above evaluate's forests and the diffusion model.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['cli', 'index.ts'],
  ['api'],
  ['run'],
  ['spec'],
  ['report'],
  ['stats'],
  ['report/model.ts'],
  ['impute', 'synth'],
  ['evaluate'],
  ['diffusion'],
  ['io'],
  ['table', 'backend'],
  ['errors.ts', 'messages.ts', 'rng.ts', 'linalg.ts', 'types'],
];

const SRC = 'src';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative imports of a module (static, `export … from` and dynamic), as paths under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1]!);
  return specs.map((s) => relative(SRC, normalize(join(dirname(file), s.replace(/\.js$/, '.ts')))));
}

/** The group a module (path under src/) belongs to, and its layer (0 = highest). */
function groupOf(mod: string): { group: string; layer: number } {
  let best: { group: string; layer: number } | undefined;
  LAYERS.forEach((groups, layer) => {
    for (const g of groups) {
      if ((mod === g || mod.startsWith(`${g}/`)) && (!best || g.length > best.group.length)) best = { group: g, layer };
    }
  });
  if (!best) throw new Error(`${mod}: in no layer; add its folder to LAYERS in test/layering.test.ts`);
  return best;
}

const graph = new Map(sourceFiles(SRC).map((f) => [relative(SRC, f), importsOf(f)]));

describe('src/ layering', () => {
  it('every module belongs to a layer', () => {
    for (const mod of graph.keys()) expect(() => groupOf(mod)).not.toThrow();
  });

  it('no module imports from a higher layer or from another group of its own layer', () => {
    const wrong: string[] = [];
    for (const [mod, deps] of graph) {
      const from = groupOf(mod);
      for (const dep of deps) {
        const to = groupOf(dep);
        if (to.layer < from.layer) wrong.push(`${mod} → ${dep} (${from.group} may not import ${to.group}: it is a higher layer)`);
        else if (to.layer === from.layer && to.group !== from.group) wrong.push(`${mod} → ${dep} (${from.group} and ${to.group} are one layer; neither imports the other)`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (mod: string): void => {
      state.set(mod, 'open');
      stack.push(mod);
      for (const dep of graph.get(mod) ?? []) {
        if (!graph.has(dep)) continue;
        if (state.get(dep) === 'open') cycles.push([...stack.slice(stack.indexOf(dep)), dep].join(' → '));
        else if (!state.has(dep)) visit(dep);
      }
      stack.pop();
      state.set(mod, 'done');
    };
    for (const mod of graph.keys()) if (!state.has(mod)) visit(mod);
    expect(cycles).toEqual([]);
  });

  it('every import resolves to a module under src/', () => {
    const missing = [...graph].flatMap(([mod, deps]) => deps.filter((d) => !graph.has(d) && !d.startsWith('types/')).map((d) => `${mod} → ${d}`));
    expect(missing).toEqual([]);
  });

  it('src/pipeline/ is gone', () => {
    expect([...graph.keys()].filter((m) => m.startsWith('pipeline/'))).toEqual([]);
  });
});
