/**
 * `npm run bench` (policy part): the policy pack over a generated 500-resource stack, under the engine's mocks.
 * Prints figures only.
 */
import { runUnderMocks } from "../infra/mockrun.js";
import { judge } from "../infra/policy/offline.js";
import { baseline } from "../test/fixtures/insecure/programs.js";

// Each baseline program registers 38 resources (a bucket with its sidecars, a replica, logs, a trail): 13 copies
// make a stack of about 500.
const t0 = performance.now();
const run = await runUnderMocks("bench", "prod", {}, () => {
  for (let i = 0; i < 13; i++) baseline({ prefix: `c${i}-` });
});
const registered = performance.now() - t0;
const t1 = performance.now();
const report = await judge("prod", run.resources);
const judged = performance.now() - t1;
console.log(`stowage policy benchmark: ${run.resources.length} resources, ${report.violations.length} violations`);
console.log(
  `  program under mocks: ${registered.toFixed(0)} ms; policy pack over it: ${judged.toFixed(0)} ms; total ${(registered + judged).toFixed(0)} ms (target < 3 s)`,
);
