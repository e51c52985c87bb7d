/**
 * Child-process entry for one benchmark unit: `node --import tsx bench/scenario.ts '<json>'`, where the
 * JSON is `{ "scenario": name, ...that scenario's options }`. run.ts starts one process per unit so each
 * unit's peak RSS is its own (the kernel's high-water mark cannot be reset within a process) and a crash
 * or out-of-memory in one unit cannot take the suite down.
 */
import { runEndToEnd, type EndToEndOptions } from './end-to-end.js';
import { runImputePeers, type ImputePeersOptions } from './impute-peers.js';
import { runImputeShared, type ImputeSharedOptions } from './impute-shared.js';
import { runSynthShared, type SynthSharedOptions } from './synth-shared.js';
import { runSample, type SampleOptions } from './sample.js';
import { runScale, type ScaleOptions } from './scale.js';
import { runTrainStep, type TrainStepOptions } from './train-step.js';

export type UnitSpec =
  | ({ scenario: 'train-step' } & TrainStepOptions)
  | ({ scenario: 'sample' } & SampleOptions)
  | ({ scenario: 'end-to-end' } & EndToEndOptions)
  | ({ scenario: 'impute-peers' } & ImputePeersOptions)
  | ({ scenario: 'impute-shared' } & ImputeSharedOptions)
  | ({ scenario: 'synth-shared' } & SynthSharedOptions)
  | ({ scenario: 'scale' } & ScaleOptions);

export async function runUnit(u: UnitSpec): Promise<void> {
  switch (u.scenario) {
    case 'train-step':
      return runTrainStep(u);
    case 'sample':
      return runSample(u);
    case 'end-to-end':
      return runEndToEnd(u);
    case 'impute-peers':
      return runImputePeers(u);
    case 'impute-shared':
      return runImputeShared(u);
    case 'synth-shared':
      return runSynthShared(u);
    case 'scale':
      return runScale(u);
  }
}

const arg = process.argv[2];
if (!arg) {
  process.stderr.write("usage: node --import tsx bench/scenario.ts '{\"scenario\": \"sample\", ...}'\n");
  process.exit(2);
}
await runUnit(JSON.parse(arg) as UnitSpec);
