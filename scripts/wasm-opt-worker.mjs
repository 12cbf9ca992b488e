// One worker of trunk-hook.mjs's optimiser: runs binaryen (npm's binaryen 132, the same
// release as the wasm-opt Trunk.toml pins) in-process on each file it is given, as
// `wasm-opt -Oz` with the bundle's features would. Hundreds of small lazy chunks make one
// wasm-opt process per file (a second of start-up each) the slowest step of the build.
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync, writeFileSync } from 'node:fs';

const { default: binaryen } = await import(workerData.binaryen);
const F = binaryen.Features;
const features = F.BulkMemory | F.BulkMemoryOpt | F.NontrappingFPToInt | F.SignExt | F.MutableGlobals;
binaryen.setOptimizeLevel(2); // -Oz: optimise as -O2 does…
binaryen.setShrinkLevel(2); //   …and shrink as hard as possible
for (const file of workerData.files) {
  const module = binaryen.readBinary(readFileSync(file));
  // As the wasm-opt command line does: the features the module declares (its target_features
  // section, e.g. reference types), plus the ones Trunk.toml enables.
  module.setFeatures(module.getFeatures() | features);
  module.optimize();
  if (!module.validate()) throw new Error(`wasm-opt-worker: ${file} does not validate after optimising`);
  writeFileSync(file, module.emitBinary());
  module.dispose();
}
parentPort.postMessage(workerData.files.length);
