/**
 * Which engine each generate task runs (`engine: auto | trees | panel | diffusion`), decided once per run,
 * and the tree and panel engines' part of a run: the CART leaf size and the panel's check from the validation
 * split (synth/tune.ts), and their draws.
 */
import { ModelError, SpecError } from '../../errors.js';
import { messages } from '../../messages.js';
import type { Logger } from '../../report/log.js';
import { cartSynthesize, type CartResult } from '../../synth/cart.js';
import { findPanel, panelSynthesize, type Panel, type PanelResult } from '../../synth/panel.js';
import { AUTO_DETECTION_FLOOR, mostPrivateTrial, tuneCartLeaf, validatePanel, type LeafChoice, type PanelTrial } from '../../synth/tune.js';
import { findDependencies, type FunctionalDependency } from '../../table/dependencies.js';
import { enforceNumericRelations, findNumericRelations, type NumericRelation } from '../../table/relations.js';
import type { Table } from '../../table/table.js';
import type { TablePlan, TableTaskPlan } from '../plan.js';

type GenerateTaskPlan = Extract<TableTaskPlan, { type: 'generate' }>;

type TabularEngine = 'trees' | 'diffusion' | 'panel';

export interface EngineChoice {
  /** Per generate task index: the engine that runs it. */
  readonly engines: ReadonlyMap<number, TabularEngine>;
  /** The CART leaf and how it was chosen, when some task runs trees or `auto` asked. */
  readonly trees?: { readonly minLeaf: number; readonly choice: LeafChoice; readonly dependencies: readonly FunctionalDependency[] };
  /** The panel (entity × time) and its validation, when the training table is one and a task may use it. */
  readonly panel?: { readonly panel: Panel; readonly trial: PanelTrial };
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
  const engines = new Map<number, TabularEngine>();
  const open = tasks.filter((t) => t.engine !== 'diffusion');
  for (const t of tasks) if (t.engine === 'diffusion') engines.set(t.index, 'diffusion');
  if (!open.length) return { engines };
  const explicit = open.find((t) => t.engine === 'trees');
  const explicitPanel = open.find((t) => t.engine === 'panel');
  if (plan.model?.privacy) {
    if (explicit) throw new SpecError(messages.privateIncompatible(`tasks[${explicit.index}].engine: trees`, 'draws real training values as donors'));
    if (explicitPanel) throw new SpecError(messages.privateIncompatible(`tasks[${explicitPanel.index}].engine: panel`, 'interpolates real training values'));
    for (const t of open) engines.set(t.index, 'diffusion');
    return { engines, why: 'model.privacy: only the diffusion model is trained under differential privacy' };
  }
  if (plan.model?.load && !explicit && !explicitPanel) {
    for (const t of open) engines.set(t.index, 'diffusion');
    return { engines, why: 'model.load: the given trained model generates' };
  }
  // The panel engine: asked by name, or tried by `auto` on a table of entities over time.
  const panelTasks = open.filter((t) => t.engine === 'panel' || (t.engine === 'auto' && !t.fixed));
  if (explicitPanel?.fixed) throw new SpecError(messages.panelFixed(`tasks[${explicitPanel.index}].fixed`));
  const panel = panelTasks.length ? findPanel(train) : undefined;
  if (explicitPanel && !panel) throw new ModelError(messages.noPanel(`tasks[${explicitPanel.index}].engine: panel`));
  let panelChoice: EngineChoice['panel'];
  if (panel) {
    const trial = validatePanel(train, panel, { seed: plan.seed });
    panelChoice = { panel, trial };
    log.info(`generate: panel ${panel.key} × ${panel.time} (step ${panel.step}): validation matched-time share ${trial.matchedShare} (bar ${trial.bar}; nearest-row DCR share ${trial.dcrShare}), detection ${trial.detection}`);
  }
  for (const t of open) if (t.engine === 'panel') engines.set(t.index, 'panel');
  const rest = open.filter((t) => t.engine !== 'panel');
  if (!rest.length) return { engines, ...(panelChoice ? { panel: panelChoice } : {}), why: 'panel: asked by name' };

  log.info(`generate: choosing the CART leaf size on a validation split of ${train.nRows} training rows`);
  const choice = tuneCartLeaf(train, { seed: plan.seed, onProgress: (d, n) => log.progress('generate: leaf validation', d, n, 'leaf sizes') });
  const trials = choice.trials.map((t) => `leaf ${t.minLeaf}: DCR share ${t.dcrShare}, detection ${t.detection}`).join('; ');
  log.info(`generate: ${trials}`);
  const dependencies = findDependencies(train);
  const chosen = choice.trials.find((t) => t.minLeaf === choice.minLeaf);
  const withPanel = panelChoice ? { panel: panelChoice } : {};
  // `auto` takes the panel engine when it is private and faithful, and more faithful than the chosen leaf.
  const pt = panelChoice?.trial;
  if (pt && pt.private && pt.detection >= AUTO_DETECTION_FLOOR && !explicit && (!chosen || pt.detection >= chosen.detection)) {
    const autos = rest.filter((t) => t.engine === 'auto' && !t.fixed);
    if (autos.length) {
      const why = `panel (${panel!.key} × ${panel!.time}): validation detection ${pt.detection} with a matched-time share ${pt.matchedShare} ≤ ${pt.bar}${chosen ? `, against leaf ${chosen.minLeaf}'s ${chosen.detection}` : `; ${choice.why}`}`;
      for (const t of autos) engines.set(t.index, 'panel');
      const others = rest.filter((t) => !autos.includes(t));
      log.info(`generate: ${why}`);
      if (!others.length) return { engines, ...withPanel, why };
    }
  }
  const undecided = rest.filter((t) => !engines.has(t.index));
  if (chosen && !explicit && chosen.detection < AUTO_DETECTION_FLOOR) {
    for (const t of undecided) engines.set(t.index, 'diffusion');
    const why = `auto → diffusion: the most faithful private leaf (${chosen.minLeaf}) reaches a validation detection score of ${chosen.detection} only, under ${AUTO_DETECTION_FLOOR}${pt ? `; the panel engine ${pt.detection} (matched-time share ${pt.matchedShare}, bar ${pt.bar})` : ''}`;
    log.info(`generate: ${why}`);
    return { engines, ...withPanel, why };
  }
  if (choice.minLeaf !== undefined) {
    for (const t of undecided) engines.set(t.index, 'trees');
    log.info(`generate: engine trees (${choice.why})`);
    return { engines, ...withPanel, trees: { minLeaf: choice.minLeaf, choice, dependencies }, why: `trees: ${choice.why}` };
  }
  // No private leaf: `auto` falls back to diffusion; `trees` asked by name takes the most private leaf.
  const mostPrivate = mostPrivateTrial(choice);
  for (const t of undecided) engines.set(t.index, t.engine === 'trees' ? 'trees' : 'diffusion');
  const why = `${choice.why}: ${explicit ? `trees (asked by name) with the most private leaf, ${mostPrivate.minLeaf}; ` : ''}${undecided.some((t) => t.engine === 'auto') ? 'auto → diffusion' : ''}`;
  log.info(`generate: ${why}`);
  return { engines, ...withPanel, ...(explicit ? { trees: { minLeaf: mostPrivate.minLeaf, choice, dependencies } } : {}), why };
}

/** Draw a generate task's rows with the panel engine. */
export function generateWithPanel(task: GenerateTaskPlan, train: Table, panel: NonNullable<EngineChoice['panel']>): PanelResult {
  return panelSynthesize(train, task.rows, { seed: task.seed, panel: panel.panel });
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
