/**
 * Starts the interactive planner: loads the files, then hands the terminal to Ink. The caller (cli.ts) has checked
 * for a TTY before Ink was loaded.
 */
import { join } from "node:path";
import { render } from "ink";
import { readYamlFile } from "../../core/inputs.js";
import { regionTarget } from "../latency/probe.js";
import { sweep } from "../latency/sweep.js";
import { defaultSnapshotDir } from "../../core/paths.js";
import { parseWorkload } from "../../core/cost/workload.js";
import { loadUsers } from "../placement/users.js";
import { loadSnapshot } from "../../core/pricing/snapshot.js";
import { stackFileName } from "../../core/stack/file.js";
import { loadCloudPrices } from "../../core/clouds/load.js";
import { App, type Measure } from "./App.js";

export interface PlannerArgs {
  readonly workload: string;
  readonly users: string;
  readonly stack: string;
  readonly stackDir: string;
  readonly prices?: string;
}

/** The real latency probe behind the Latency screen. */
export const liveMeasure: Measure = async (regions, samples, onEvent) =>
  (await sweep(regions.map(regionTarget), { samples, timeoutMs: 1500, deadlineMs: 15_000, concurrency: 8, onEvent })).results;

export async function runPlanner(args: PlannerArgs): Promise<number> {
  const raw = ((await readYamlFile(args.workload, "workload file", "--workload", "examples/workload.yaml")) ?? {}) as Record<string, unknown>;
  parseWorkload(raw, args.workload); // refuse a bad file before taking the terminal
  const [users, snapshot] = await Promise.all([loadUsers(args.users), loadSnapshot(args.prices ?? defaultSnapshotDir())]);
  const clouds = users.providers.some((p) => p !== "aws") ? await loadCloudPrices() : undefined;
  const color = !process.env.NO_COLOR;
  const app = render(
    <App
      raw={raw}
      workloadSource={args.workload}
      users={users}
      catalog={snapshot.catalog}
      {...(clouds ? { clouds } : {})}
      pricesAsOf={snapshot.asOf}
      stackFile={join(args.stackDir, stackFileName(args.stack))}
      stack={args.stack}
      measure={liveMeasure}
      color={color}
    />,
  );
  await app.waitUntilExit();
  return 0;
}
