/**
 * The `stowage` command: the one place that knows every command. Each command's module is loaded only when it runs
 * (or its help is asked for), so `stowage cost` does not pay for Ink, the AWS SDK or Pulumi.
 */
import { EXIT_CODES } from "../core/exit.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../core/errors.js";
import { packageRoot } from "../core/paths.js";
import type { Command } from "./command.js";
import { print } from "./options.js";

export { reportError } from "./reportError.js";

interface Entry {
  readonly synopsis: string;
  readonly summary: string;
  readonly load: () => Promise<{ command: Command }>;
}

const COMMANDS: Record<string, Entry> = {
  planner: {
    synopsis: "planner [options]",
    summary: "the interactive planner: workload, costs, latency, placement, apply",
    load: () => import("./commands/planner.js"),
  },
  cost: {
    synopsis: "cost --workload FILE [options]",
    summary: "price one workload in S3, RDS and EBS over a horizon",
    load: () => import("./commands/cost.js"),
  },
  pricing: {
    synopsis: "pricing refresh|show [options]",
    summary: "fetch live prices into the snapshot (needs AWS credentials); show what it holds",
    load: () => import("./commands/pricing.js"),
  },
  latency: {
    synopsis: "latency [options]",
    summary: "measure round trips to every AWS region (or estimate them offline)",
    load: () => import("./commands/latency.js"),
  },
  plan: {
    synopsis: "plan --workload W --users U",
    summary: "recommend a primary region and replica; write them to a stack",
    load: () => import("./commands/plan.js"),
  },
  policy: {
    synopsis: "policy --stack NAME | --program P",
    summary: "check a stack or any Pulumi program against the policy pack, offline",
    load: () => import("./commands/policy.js"),
  },
  estimate: {
    synopsis: "estimate --stack NAME",
    summary: "estimate the monthly cost of a stack, against a budget",
    load: () => import("./commands/estimate.js"),
  },
  data: {
    synopsis: "data commit|log|diff|checkout|why|verify REPO",
    summary: "versioned datasets on a bucket prefix or a folder: commits, history, provenance",
    load: () => import("./commands/data.js"),
  },
  run: {
    synopsis: "run --in REPO --out REPO -- CMD",
    summary: "run a command over every datum, commit its outputs with provenance",
    load: () => import("./commands/run.js"),
  },
  access: {
    synopsis: "access grant|log --bucket B --prefix P",
    summary: "one household's data for a while: narrowed STS credentials or links, audited",
    load: () => import("./commands/access.js"),
  },
  evidence: {
    synopsis: "evidence --repo R --household H --out DIR | evidence check DIR",
    summary: "one household's claim as a bundle that checks itself: images, runs, grants, hashes, signature",
    load: () => import("./commands/evidence.js"),
  },
  verify: {
    synopsis: "verify --bucket NAME",
    summary: "check live buckets (AWS or S3-compatible) against the same rules",
    load: () => import("./commands/verify.js"),
  },
};

/** Every command's name, as `stowage --help` lists them (the sweep test covers each). */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

const HELP_ROWS: readonly (readonly [string, string])[] = [
  ...Object.values(COMMANDS).map((c) => [`stowage ${c.synopsis}`, c.summary] as const),
  ["stowage help COMMAND", "help for one command"],
];
const HELP_WIDTH = Math.max(...HELP_ROWS.map(([left]) => left.length)) + 2;

const HELP = `stowage — plan where a data team's objects live, and what that costs

Usage:
${HELP_ROWS.map(([left, right]) => `  ${left.padEnd(HELP_WIDTH)}${right}`).join("\n")}

Exit codes:
${EXIT_CODES.map((e) => `  ${e.code}  ${e.meaning}`).join("\n")}
`;

function entryOf(name: string): Promise<{ command: Command }> {
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) throw new UserError(`Unknown command ${name}.`, `The commands: ${Object.keys(COMMANDS).join(", ")}; \`stowage --help\` says what each does.`);
  return entry.load();
}

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") return print(HELP);
  if (name === "--version" || name === "-v") return print(`${version()}\n`);
  if (name === "help") {
    if (rest[0] === undefined) return print(HELP);
    return print((await entryOf(rest[0])).command.help);
  }
  return (await entryOf(name)).command.run(rest);
}
