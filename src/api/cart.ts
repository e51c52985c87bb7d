/**
 * The sequential-CART engine for scripts, as `generate` with `engine: trees` runs it:
 *
 *   const synth = CartSynthesizer.fit(table, { seed: 1 });   // leaf size chosen on a validation split
 *   const rows = synth.sample(1000, { seed: 2, fixed: { sex: 'F' } });
 *   synth.validation                                          // every leaf's DCR share and detection score
 *
 * No backend, no training loop: fitting keeps the table (the donors) and the leaf size.
 */
import { cartSynthesize } from '../synth/cart.js';
import { mostPrivateTrial, tuneCartLeaf, type LeafChoice } from '../synth/tune.js';
import { findDependencies, type FunctionalDependency } from '../table/dependencies.js';
import type { Table } from '../table/table.js';

export interface CartFitOptions {
  seed?: number;
  /** A minimum leaf size, or 'auto' (default): chosen on a validation split (synth/tune.ts). */
  minLeaf?: number | 'auto';
}

export interface CartSampleOptions {
  seed?: number;
  /** Columns held at one value in every row. */
  fixed?: Record<string, string | number | boolean>;
}

export class CartSynthesizer {
  private constructor(
    private readonly train: Table,
    readonly minLeaf: number,
    readonly dependencies: readonly FunctionalDependency[],
    /** How the leaf was chosen ('auto'); undefined when it was given. */
    readonly validation: LeafChoice | undefined,
  ) {}

  static fit(table: Table, opts: CartFitOptions = {}): CartSynthesizer {
    const seed = opts.seed ?? 0;
    if (typeof opts.minLeaf === 'number') return new CartSynthesizer(table, Math.max(1, Math.floor(opts.minLeaf)), findDependencies(table), undefined);
    const choice = tuneCartLeaf(table, { seed });
    // No private leaf: the most private one (the validation says so).
    const leaf = choice.minLeaf ?? mostPrivateTrial(choice).minLeaf;
    return new CartSynthesizer(table, leaf, findDependencies(table), choice);
  }

  sample(rows: number, opts: CartSampleOptions = {}): Table {
    return cartSynthesize(this.train, rows, { seed: opts.seed ?? 0, minLeaf: this.minLeaf, dependencies: this.dependencies, ...(opts.fixed ? { fixed: opts.fixed } : {}) }).table;
  }
}
