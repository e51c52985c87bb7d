// Times a blend model's 10 imputation draws on a mask.py folder, stage by stage, after a short training:
//   npx tsx bench/prototypes/draws-profile.mts DIR [trainSteps=50]
import { readTable } from '../../src/io/table-io.js';
import { TabularDiffusion } from '../../src/diffusion/tabular.js';
import { imputeSampling } from '../../src/diffusion/sampler-name.js';
import { maskKinds } from '../impute-shared.js';
import { initBackend } from '../../src/backend/index.js';
const dir = process.argv[2]!;
console.log(JSON.stringify(await initBackend({})));
const { table } = await readTable(`${dir}/masked.csv`, { columns: maskKinds(dir) });
const model = TabularDiffusion.create(table, { seed: 1, purpose: 'impute', train: { steps: Number(process.argv[3] ?? 50) } });
let t = performance.now();
await model.fit(table);
console.log('dim', model.encoder.dim, 'mlp', JSON.stringify(model.mlp), 'train s', ((performance.now() - t) / 1000).toFixed(1));
t = performance.now();
await model.complete(table, { draws: 10, seed: 1, ...imputeSampling(undefined, undefined, table.nRows) });
console.log('10 draws s', ((performance.now() - t) / 1000).toFixed(1));
