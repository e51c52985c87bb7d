/**
 * Which engine each generate task runs (`engine: auto | trees | diffusion`), decided once per run, and the
 * CART engine's part of a run: its leaf size from the validation split (synth/tune.ts) and its draws.
 */
import { SpecError } from '../../errors.js';
import { messages } from '../../messages.js';
import type { Logger } from '../../report/log.js';
import { cartSynthesize, type CartResult } from '../../synth/cart.js';
import { AUTO_DETECTION_FLOOR, mostPrivateTrial, tuneCartLeaf, type LeafChoice } from '../../synth/tune.js';
import { findDependencies, type FunctionalDependency } from '../../table/dependencies.js';
import { enforceNumericRelations, findNumericRelations, type NumericRelation } from '../../table/relations.js';
import type { Table } from '../../table/table.js';
import type { TablePlan, TableTaskPlan } from '../plan.js';

type GenerateTaskPlan = Extract<TableTaskPlan, { type: 'generate' }>;

export interface EngineChoice {
  /** Per generate task index: the engine that runs it. */
  readonly engines: ReadonlyMap<number, 'trees' | 'diffusion'>;
  /** The CART leaf and how it was chosen, when some task runs trees or `auto` asked. */
  readonly trees?: { readonly minLeaf: number; readonly choice: LeafChoice; readonly dependencies: readonly FunctionalDependency[] };
  /** Why `auto` went the way it did (report.json `generator.why`). */
  readonly why?: string;
  /** The training rows' exact numeric relations, which every generated row keeps (found once per run). */
  readonly relations?: readonly NumericRelation[];
}

/** Decide the engines of the plan's generate tasks on the training table, and find the relations they keep. */
export function chooseGenerateEngines(plan: TablePlan, train: Table, log: Logger): EngineChoice {
  const choice = chooseEngines(plan, train, log);
  return plan.tasks.some((t) => t.type === 'generate') ? { ...choice, relations: findNumericRelations(train) } : choice;
}

function chooseEngines(plan: TablePlan, train: Table, log: Logger): EngineChoice {
  const tasks = plan.tasks.filter((t): t is GenerateTaskPlan => t.type === 'generate');
  const engines = new Map<number, 'trees' | 'diffusion'>();
  const wantsTrees = tasks.filter((t) => t.engine !== 'diffusion');
  for (const t of tasks) if (t.engine === 'diffusion') engines.set(t.index, 'diffusion');
  if (!wantsTrees.length) return { engines };
  const explicit = wantsTrees.find((t) => t.engine === 'trees');
  if (plan.model?.privacy) {
    if (explicit) throw new SpecError(messages.privateIncompatible(`tasks[${explicit.index}].engine: trees`, 'draws real training values as donors'));
    for (const t of wantsTrees) engines.set(t.index, 'diffusion');
    return { engines, why: 'model.privacy: only the diffusion model is trained under differential privacy' };
  }
  if (plan.model?.load && !explicit) {
    for (const t of wantsTrees) engines.set(t.index, 'diffusion');
    return { engines, why: 'model.load: the given trained model generates' };
  }
  log.info(`generate: choosing the CART leaf size on a validation split of ${train.nRows} training rows`);
  const choice = tuneCartLeaf(train, { seed: plan.seed, onProgress: (d, n) => log.progress('generate: leaf validation', d, n, 'leaf sizes') });
  const trials = choice.trials.map((t) => `leaf ${t.minLeaf}: DCR share ${t.dcrShare}, detection ${t.detection}`).join('; ');
  log.info(`generate: ${trials}`);
  const dependencies = findDependencies(train);
  const chosen = choice.trials.find((t) => t.minLeaf === choice.minLeaf);
  if (chosen && !explicit && chosen.detection < AUTO_DETECTION_FLOOR) {
    for (const t of wantsTrees) engines.set(t.index, 'diffusion');
    const why = `auto → diffusion: the most faithful private leaf (${chosen.minLeaf}) reaches a validation detection score of ${chosen.detection} only, under ${AUTO_DETECTION_FLOOR}`;
    log.info(`generate: ${why}`);
    return { engines, why };
  }
  if (choice.minLeaf !== undefined) {
    for (const t of wantsTrees) engines.set(t.index, 'trees');
    log.info(`generate: engine trees (${choice.why})`);
    return { engines, trees: { minLeaf: choice.minLeaf, choice, dependencies }, why: `trees: ${choice.why}` };
  }
  // No private leaf: `auto` falls back to diffusion; `trees` asked by name takes the most private leaf.
  const mostPrivate = mostPrivateTrial(choice);
  for (const t of wantsTrees) engines.set(t.index, t.engine === 'trees' ? 'trees' : 'diffusion');
  const why = `${choice.why}: ${explicit ? `trees (asked by name) with the most private leaf, ${mostPrivate.minLeaf}; ` : ''}${wantsTrees.some((t) => t.engine === 'auto') ? 'auto → diffusion' : ''}`;
  log.info(`generate: ${why}`);
  return { engines, ...(explicit ? { trees: { minLeaf: mostPrivate.minLeaf, choice, dependencies } } : {}), why };
}

/** Draw a generate task's rows with the CART engine. */
export function generateWithTrees(task: GenerateTaskPlan, train: Table, trees: NonNullable<EngineChoice['trees']>): CartResult {
  return cartSynthesize(train, task.rows, { seed: task.seed, minLeaf: trees.minLeaf, dependencies: trees.dependencies, ...(task.fixed ? { fixed: task.fixed } : {}) });
}

/**
 * A generate task's rows with the training rows' exact numeric relations made to hold (a BMI and its weight
 * and height: the engines learn them only approximately), the task's fixed columns left alone; and what
 * report.json says of them.
 */
export function keepRelations(task: GenerateTaskPlan, train: Table, generated: Table, relations: readonly NumericRelation[] = []): { table: Table; report: { target: string; inputs: string[]; form: NumericRelation['form']; rows: number }[] } {
  const kept = enforceNumericRelations(train, generated, relations, new Set(Object.keys(task.fixed ?? {})));
  return { table: kept.table, report: kept.applied.map((a) => ({ target: a.relation.target, inputs: a.relation.inputs, form: a.relation.form, rows: a.rows })) };
}
