#!/usr/bin/env node
/**
 * The `stowage` command. Thin: parses arguments, does the I/O, calls the pure cores, prints.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "./errors.js";
import { defaultSnapshotDir, packageRoot } from "./paths.js";
import { OPTION_IDS, estimate } from "./cost/estimate.js";
import { FORMATS, render, type Format } from "./cost/format.js";
import { SERVICE_CODES, type ServiceCode } from "./pricing/catalog.js";
import { loadSnapshot } from "./pricing/snapshot.js";
import { isRegionCode } from "./regions.js";

const HELP = `stowage — plan where a data team's objects live, and what that costs

Usage:
  stowage planner [options]                  the interactive planner: workload, costs, latency, placement, apply
  stowage cost --workload FILE [options]     price one workload in S3, RDS and EBS over a horizon
  stowage pricing refresh [options]          fetch live prices into the snapshot (needs AWS credentials)
  stowage pricing show [--region R]          what the price snapshot holds, by service and region
  stowage latency [options]                  measure round trips to every AWS region (or estimate them offline)
  stowage plan --workload W --users U        recommend a primary region and replica; write them to a stack
  stowage policy --stack NAME                check a stack against the policy pack, offline (engine mocks)
  stowage estimate --stack NAME              estimate the monthly cost of a stack, against a budget
  stowage verify --bucket NAME               check live buckets (AWS or S3-compatible) against the same rules
  stowage help COMMAND                       help for one command

Exit codes: 0 done, 1 internal error (a bug), 2 bad input or a missing price/credential you can fix.
`;

const COST_HELP = `stowage cost --workload FILE [--region R] [--months N] [--format table|json|markdown|csv] [--json]
             [--detail OPTION…] [--only OPTION…]

Prices one workload (a YAML file; examples/workload.yaml documents every key) in every option:
  ${OPTION_IDS.join(", ")}

Options:
  --workload FILE   the workload file (required)
  --region R        price in this region instead of the workload's \`region\`
  --months N        horizon in months instead of the workload's \`horizon_months\` (1–120)
  --format F        table (default), json, markdown or csv; --json is short for --format json
  --detail OPTION   also print month 1's line items for this option (repeatable; "all" for every option)
  --only OPTION     price only these options (repeatable)
  --prices DIR      a price snapshot folder other than the shipped one (also STOWAGE_PRICES)

Conventions:
  - Month 1 holds data.initial_gb; each later month's monthly_growth_gb lands at that month's start.
  - A month is 730 hours and, for ageing data, 30 days: data written at the start of month c is (m − c) × 30
    days old in month m. A lifecycle rule after_days: D moves it at the start of the first month its age is
    ≥ D; retention.delete_after_days deletes it the same way. Leaving a class before its minimum duration
    bills the rest of that duration (early deletion).
  - Requests and retrieval go to the class new data lands in (Standard for s3-lifecycle).
  - GB means 2^30 bytes. Money is exact; JSON gives it as decimal strings.
  - A price missing from the snapshot is never guessed: the line shows no cost, the total is marked
    incomplete, and the command that fetches the price is printed.
`;

const REFRESH_HELP = `stowage pricing refresh [--region R…] [--service S…] [--prices DIR]

Fetches on-demand prices with the AWS Price List API (GetProducts) and replaces those regions' answers in the
snapshot. Uses the standard AWS credential chain (profile, environment, SSO, instance role) and needs
pricing:GetProducts. Every request must succeed before anything is written: a failed or partial refresh
leaves the old snapshot as it was.

  --region R     a region to fetch (repeatable; default: the snapshot's regions, us-east-1, us-east-2,
                 us-west-2, eu-west-1, eu-central-1)
  --service S    a service code (repeatable; default: all of ${SERVICE_CODES.join(", ")})
  --prices DIR   the snapshot folder to update (default: the shipped data/prices, or STOWAGE_PRICES)
`;

const LATENCY_HELP = `stowage latency [--region R…] [--target NAME=URL…] [--samples N] [--timeout MS] [--deadline MS]
                [--concurrency N] [--ca FILE] [--from PLACE] [--offline] [--format table|json|csv] [--json]

Measures the round trip from this machine to each region's S3 endpoint (s3.<region>.amazonaws.com:443), or to
your own targets. Per target: DNS is timed on its own and kept out of the round trip; then, per sample, a fresh
TCP connect (the headline figure), the TLS handshake, and the first byte of a small request on that connection.
One warm-up sample is discarded; the median, p90, min and max are reported, samples beyond 1.5 × IQR are flagged,
and failed samples count as lost. A target that refuses, resets, times out, or fails TLS is reported as such.

  --region R          a region code (repeatable; default every commercial region the AWS SDK knows, unless
                      --target is given)
  --target NAME=URL   also probe https://host[:port] or tcp://host:port (repeatable)
  --samples N         samples per target after the warm-up (default 5, 1–100)
  --timeout MS        per sample and for DNS (default 2000)
  --deadline MS       for the whole sweep (default 30000); unfinished targets are reported as timeouts
  --concurrency N     targets probed at once (default 8)
  --ca FILE           extra trusted CA certificates (PEM) for targets with a private CA
  --from PLACE        a city ("Columbus, OH") or "lat,lon": show the offline estimate and physical floor beside
                      each measurement, and fall back to them if there is no network
  --offline           no probes: estimate from --from (required) by physics: great-circle distance at
                      200,000 km/s both ways, times a route-inflation factor by distance band, plus 10 ms access
  --format F          table (default), json or csv; --json is short for --format json
`;

const PLAN_HELP = `stowage plan --workload FILE --users FILE [--stack NAME] [--stack-dir DIR] [--write]
             [--format table|json|markdown] [--json] [--offline] [--deadline MS] [--prices DIR]

Ranks regions by cost and latency for the workload and the users file (examples/users.yaml documents every key),
and recommends a primary region and, when the users file requires one, a replica region.

  Cost      per region, the cheapest S3 strategy whose prices are all known, averaged per month over the horizon;
            with a required replica, the replication to the cheapest allowed region far enough away is added.
  Latency   per population: measured live from this machine for the population marked \`here: true\` (unless
            --offline or there is no network), estimated from the great-circle distance for every other.
  Feasible  allowed, priced, weighted round trip within latency_objective_ms, worst population within
            worst_latency_ms, replica found, and within monthly_budget_usd.

  --stack NAME    show the change to Pulumi.NAME.yaml that records the decision (primary region, replica regions,
                  upload storage class, lifecycle, and a comment with the date and reasons); nothing else in the
                  file changes
  --write         write that change (atomically)
  --stack-dir DIR where the stack files are (default: the current folder)
  --format F      table (default), json or markdown; --json is short for --format json
  --offline       no live measurement

Exit codes: 0 a recommendation, 3 no region meets every constraint (the output says which failed and by how
much), 2 bad input, 1 a bug.
`;

const PLANNER_HELP = `stowage planner [--workload FILE] [--users FILE] [--stack NAME] [--stack-dir DIR] [--prices DIR]

The interactive planner (what \`npm start\` runs). Screens, moved between with tab / ←→ or 1-5:
  Workload   edit the workload's numbers (defaults: the example files shipped with Stowage)
  Costs      S3 strategies vs RDS vs EBS, month 1 and the horizon, cumulative cost chart with crossings
  Latency    a live bar per region while probes run, then the sorted table with estimate and physical floor
  Placement  the ranking and the Pareto front; pick primary (p) and replica (r)
  Apply      the exact change to Pulumi.<stack>.yaml, written with w
Needs a terminal; without one, use \`stowage plan --format json\`. NO_COLOR turns colours off.

  --workload FILE  (default examples/workload.yaml)      --users FILE  (default examples/users.yaml)
  --stack NAME     the stack file to write (default dev)  --stack-dir DIR  where it is (default: here)
`;

const POLICY_HELP = `stowage policy --stack NAME [--stack-dir DIR] [--program FILE.js] [--format table|json|markdown] [--json]
stowage policy --export FILE [--format …]

Runs a Pulumi program under the engine's mocks (Stowage's own by default, with the stack's Pulumi.NAME.yaml config;
any compiled program with --program), or reads a \`pulumi stack export\` file, and checks its resources with the
Stowage policy pack (infra/policy/pack: the same policies \`pulumi preview --policy-pack\` runs). Bucket settings
that live in @pulumi/aws v7 sidecar resources are joined to their bucket; a missing one is a violation.

Exit codes: 0 no mandatory violation, 4 a mandatory violation, 2 bad input, 1 a bug.
JSON: { stack, resources, violations: [ { policy, control, enforcementLevel, resource: { type, name }, message } ] }
`;

const ESTIMATE_HELP = `stowage estimate --stack NAME [--usage FILE] [--compare-to BASE.json] [--budget USD] [--stack-dir DIR]
                 [--format table|json|markdown] [--json]

Runs the stack's program under the engine's mocks and prices its resources with the cost models of stowage cost:
each bucket as the s3-lifecycle option of the equivalent workload (lifecycle and expiry from its sidecars,
replicas from its replication), with usage from the usage file (examples/usage.yaml documents every key).
RDS PostgreSQL instances and EBS volumes are priced like the rds-postgresql and ebs options (other engines are
reported, not priced). Buckets without usage show unit prices. KMS and CloudTrail are listed with their usage but their prices are not in
the snapshot yet (reported missing). --compare-to prints the monthly change per resource against an earlier
--json output; --budget exits 5 when the total is over.
`;

const VERIFY_HELP = `stowage verify --bucket NAME… | --stack NAME | --outputs FILE [--canary] [--endpoint URL] [--region R]
               [--http-endpoint URL] [--format table|json|markdown] [--json]

--canary also proves behaviour on each bucket: writes an object, overwrites it, reads both versions, deletes it and
expects a delete marker, expects an unencrypted upload (and a plain-HTTP one, when the endpoint has TLS) to be
refused, then removes every version it wrote under stowage-canary/ and nothing else. The plain-HTTP upload goes to
the endpoint with http://, or to --http-endpoint when the store serves plain HTTP on another port. A private CA:
NODE_EXTRA_CA_CERTS=ca.pem.
--stack NAME verifies the buckets in the stack's \`buckets\` output (through the Pulumi CLI); --outputs FILE reads
them from \`pulumi stack output --json\` instead.

Reads each bucket's versioning, default encryption, public access block, ownership controls, policy, lifecycle,
logging, replication, Object Lock and tags through the S3 API, and judges them with the policy pack's rules. Each
finding is pass, fail or unknown; unknown says why (access denied, not implemented by the server: an empty
encryption answer is not encryption). Credentials: the standard AWS chain. --endpoint for S3-compatible stores
(path-style addressing, checksums only where required). Exit codes: 0 nothing failed; 4 a rule failed, a bucket
does not exist or not one of its settings could be read; 2 bad input, no credentials, credentials refused or the
endpoint unreachable.
JSON: { endpoint, buckets: [ { name, region, findings: [ { rule, control, status, reason?, message? } ] } ] }
`;

const SHOW_HELP = `stowage pricing show [--region R] [--prices DIR] [--json]

Lists, per service and region, how many products the snapshot holds, their source and retrieval date.
`;

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}

type Options = NonNullable<ParseArgsConfig["options"]>;
const HELP_FLAG = { help: { type: "boolean", short: "h" } } as const;

function parse<const O extends Options>(args: string[], options: O, help: string) {
  try {
    return parseArgs({ args, options: { ...options, ...HELP_FLAG } as O & typeof HELP_FLAG, allowPositionals: false, strict: true });
  } catch (err) {
    throw new UserError((err as Error).message, `See:\n${help}`);
  }
}

/** `--format F` among the command's formats, `--json` being short for `--format json`; table by default. */
function formatFlag<T extends string>(values: { json?: boolean; format?: string }, allowed: readonly T[]): T {
  return values.json ? ("json" as T) : choose(values.format ?? "table", allowed, "--format");
}

function choose<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UserError(`${flag} ${value} is not one of ${allowed.join(", ")}.`);
  return value as T;
}

async function costCommand(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    {
      workload: { type: "string", short: "w" },
      region: { type: "string" },
      months: { type: "string" },
      format: { type: "string" },
      json: { type: "boolean" },
      detail: { type: "string", multiple: true },
      only: { type: "string", multiple: true },
      prices: { type: "string" },
    },
    COST_HELP,
  );
  if (values.help) return print(COST_HELP);
  if (!values.workload) throw new UserError("--workload FILE is required.", "Try `stowage cost --workload examples/workload.yaml`.");
  const format: Format = formatFlag(values, FORMATS);
  const only = (values.only ?? []).map((o) => choose(o, OPTION_IDS, "--only"));
  const detail = (values.detail ?? []).includes("all") ? [...OPTION_IDS] : (values.detail ?? []).map((o) => choose(o, OPTION_IDS, "--detail"));
  // zod and yaml are most of start-up; only the commands that read a workload load them.
  const { loadWorkload } = await import("./cost/workload.js");
  let workload = await loadWorkload(values.workload);
  if (values.region) {
    if (!isRegionCode(values.region)) throw new UserError(`--region ${values.region} is not an AWS region code.`, "Use a code like us-east-2 or eu-central-1.");
    workload = { ...workload, region: values.region, replication: { regions: workload.replication.regions.filter((r) => r !== values.region) } };
  }
  if (values.months) workload = { ...workload, horizon_months: intFlag(values.months, "--months", 36, 1, 120) };
  const snapshot = await loadSnapshot(values.prices ?? defaultSnapshotDir());
  // A region the snapshot knows nothing of would print a table of $0.00 and a page of missing prices.
  const priced = snapshot.catalog.regions();
  if (!priced.includes(workload.region)) {
    throw new UserError(`The price snapshot has no prices for ${workload.region} (it has ${priced.join(", ") || "none"}).`, `Run \`stowage pricing refresh --region ${workload.region}\`, or price another region with --region.`);
  }
  const report = estimate(workload, snapshot.catalog, snapshot.asOf, only.length ? { only } : {});
  process.stdout.write(render(report, format, detail));
  return 0;
}

async function refreshCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { region: { type: "string", multiple: true }, service: { type: "string", multiple: true }, prices: { type: "string" } }, REFRESH_HELP);
  if (values.help) return print(REFRESH_HELP);
  // Loaded here, not at start-up: the AWS SDK is the slowest import and only this command needs it.
  const { DEFAULT_REFRESH_REGIONS, refresh } = await import("./pricing/refresh.js");
  const regions = values.region ?? [...DEFAULT_REFRESH_REGIONS];
  for (const r of regions) if (!isRegionCode(r)) throw new UserError(`--region ${r} is not an AWS region code.`);
  const services = (values.service ?? [...SERVICE_CODES]).map((s) => choose(s, SERVICE_CODES, "--service") as ServiceCode);
  const dir = values.prices ?? defaultSnapshotDir();
  const result = await refresh({
    dir,
    regions,
    services,
    onProgress: (p) => process.stderr.write(`  ${p.service} ${p.region}: page ${p.page}, ${p.products} products\n`),
  });
  for (const p of result.problems) process.stderr.write(`  skipped a malformed ${p.service} product in ${p.region} (#${p.index}${p.sku ? `, ${p.sku}` : ""}): ${p.reason}\n`);
  process.stdout.write(`Refreshed ${result.written.join(", ")} for ${regions.join(", ")}: ${result.products} products written to ${dir}.\n`);
  return 0;
}

async function showCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { region: { type: "string" }, prices: { type: "string" }, json: { type: "boolean" } }, SHOW_HELP);
  if (values.help) return print(SHOW_HELP);
  const snapshot = await loadSnapshot(values.prices ?? defaultSnapshotDir());
  const rows = [...snapshot.files.values()].flatMap((f) =>
    f.responses
      .filter((r) => !values.region || r.region === values.region)
      .map((r) => ({ service: f.serviceCode, region: r.region, products: r.PriceList.length, retrievedAt: r.retrievedAt, source: r.source })),
  );
  if (values.json) return print(`${JSON.stringify({ dir: snapshot.dir, asOf: snapshot.asOf, answers: rows, problems: snapshot.problems }, null, 2)}\n`);
  const lines = rows.map((r) => `${r.service.padEnd(27)} ${r.region.padEnd(15)} ${String(r.products).padStart(4)}  ${r.retrievedAt}  ${r.source.slice(0, 60)}…`);
  return print(`Price snapshot in ${snapshot.dir} (oldest answer ${snapshot.asOf ?? "none"})\n${lines.join("\n")}\n`);
}

function intFlag(value: string | undefined, flag: string, def: number, min: number, max: number): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`${flag} ${value} must be a whole number from ${min} to ${max}.`);
  return n;
}

/** An http(s) URL with nothing after the host: what the S3 client takes as an endpoint. */
function endpointFlag(flag: string, value: string): string {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.pathname !== "/" || url.search) {
    throw new UserError(`${flag} ${value} is not an endpoint URL.`, `Give scheme, host and port only, e.g. ${flag} https://s3.example.internal:8443`);
  }
  return url.origin;
}

async function latencyCommand(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    {
      region: { type: "string", multiple: true },
      target: { type: "string", multiple: true },
      samples: { type: "string" },
      timeout: { type: "string" },
      deadline: { type: "string" },
      concurrency: { type: "string" },
      ca: { type: "string" },
      from: { type: "string" },
      offline: { type: "boolean" },
      format: { type: "string" },
      json: { type: "boolean" },
    },
    LATENCY_HELP,
  );
  if (values.help) return print(LATENCY_HELP);
  const { latency } = await import("./latency/command.js");
  return latency({
    regions: values.region,
    targets: values.target ?? [],
    samples: intFlag(values.samples, "--samples", 5, 1, 100),
    timeoutMs: intFlag(values.timeout, "--timeout", 2000, 1, 60_000),
    deadlineMs: intFlag(values.deadline, "--deadline", 30_000, 1, 600_000),
    concurrency: intFlag(values.concurrency, "--concurrency", 8, 1, 64),
    caFile: values.ca,
    from: values.from,
    offline: values.offline ?? false,
    format: formatFlag(values, ["table", "json", "csv"] as const),
  });
}

async function planCommand(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    {
      workload: { type: "string", short: "w" },
      users: { type: "string", short: "u" },
      stack: { type: "string" },
      "stack-dir": { type: "string" },
      write: { type: "boolean" },
      format: { type: "string" },
      json: { type: "boolean" },
      offline: { type: "boolean" },
      deadline: { type: "string" },
      prices: { type: "string" },
    },
    PLAN_HELP,
  );
  if (values.help) return print(PLAN_HELP);
  const { runPlan, requireFile } = await import("./placement/command.js");
  if (values.write && !values.stack) throw new UserError("--write needs --stack NAME: which stack file to write.", "Try `--stack dev --write`.");
  return runPlan({
    workload: requireFile(values.workload, "--workload", "the example files"),
    users: requireFile(values.users, "--users", "the example files"),
    ...(values.stack ? { stack: values.stack } : {}),
    ...(values["stack-dir"] ? { stackDir: values["stack-dir"] } : {}),
    write: values.write ?? false,
    format: formatFlag(values, ["table", "json", "markdown"] as const),
    offline: values.offline ?? false,
    deadlineMs: intFlag(values.deadline, "--deadline", 10_000, 1, 600_000),
    ...(values.prices ? { prices: values.prices } : {}),
  });
}

async function policyCommand(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    { stack: { type: "string" }, "stack-dir": { type: "string" }, program: { type: "string" }, export: { type: "string" }, format: { type: "string" }, json: { type: "boolean" } },
    POLICY_HELP,
  );
  if (values.help) return print(POLICY_HELP);
  const { runPolicy } = await import("../infra/policy/command.js");
  return runPolicy({
    ...(values.stack ? { stack: values.stack } : {}),
    stackDir: values["stack-dir"] ?? ".",
    ...(values.program ? { program: values.program } : {}),
    ...(values.export ? { exportFile: values.export } : {}),
    format: formatFlag(values, ["table", "json", "markdown"] as const),
  });
}

async function estimateCommand(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    { stack: { type: "string" }, "stack-dir": { type: "string" }, usage: { type: "string" }, "compare-to": { type: "string" }, budget: { type: "string" }, format: { type: "string" }, json: { type: "boolean" }, prices: { type: "string" } },
    ESTIMATE_HELP,
  );
  if (values.help) return print(ESTIMATE_HELP);
  if (!values.stack) throw new UserError("--stack NAME is required.", "Try `stowage estimate --stack prod --usage examples/usage.yaml`.");
  const budget = values.budget === undefined ? undefined : Number(values.budget);
  if (budget !== undefined && !(budget >= 0)) throw new UserError(`--budget ${values.budget} is not an amount in USD.`);
  const { runEstimate } = await import("../infra/estimate-command.js");
  return runEstimate({
    stack: values.stack,
    stackDir: values["stack-dir"] ?? ".",
    ...(values.usage ? { usage: values.usage } : {}),
    ...(values["compare-to"] ? { compareTo: values["compare-to"] } : {}),
    ...(budget !== undefined ? { budget } : {}),
    format: formatFlag(values, ["table", "json", "markdown"] as const),
    ...(values.prices ? { prices: values.prices } : {}),
  });
}

async function verifyCommand(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    { bucket: { type: "string", multiple: true }, stack: { type: "string" }, outputs: { type: "string" }, canary: { type: "boolean" }, endpoint: { type: "string" }, "http-endpoint": { type: "string" }, region: { type: "string" }, format: { type: "string" }, json: { type: "boolean" } },
    VERIFY_HELP,
  );
  if (values.help) return print(VERIFY_HELP);
  const { runVerify } = await import("../infra/verify/command.js");
  return runVerify({
    buckets: values.bucket ?? [],
    ...(values.stack ? { stack: values.stack } : {}),
    ...(values.outputs ? { outputsFile: values.outputs } : {}),
    ...(values.canary ? { canary: true } : {}),
    ...(values.endpoint ? { endpoint: endpointFlag("--endpoint", values.endpoint) } : {}),
    ...(values["http-endpoint"] ? { httpEndpoint: endpointFlag("--http-endpoint", values["http-endpoint"]) } : {}),
    ...(values.region ? { region: values.region } : {}),
    format: formatFlag(values, ["table", "json", "markdown"] as const),
  });
}

async function plannerCommand(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    { workload: { type: "string", short: "w" }, users: { type: "string", short: "u" }, stack: { type: "string" }, "stack-dir": { type: "string" }, prices: { type: "string" } },
    PLANNER_HELP,
  );
  if (values.help) return print(PLANNER_HELP);
  const root = packageRoot();
  const workload = values.workload ?? join(root, "examples", "workload.yaml");
  const users = values.users ?? join(root, "examples", "users.yaml");
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UserError(
      "The interactive planner needs a terminal (a TTY); this run has none.",
      `For scripts and CI use: stowage plan --workload ${workload} --users ${users} --format json`,
    );
  }
  // These must be set before Ink loads. chalk ignores NO_COLOR; FORCE_COLOR=0 turns its colours off
  // (https://no-color.org). Ink draws only the last frame when CI is set; a person at this terminal needs them all.
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = "0";
  process.env.CI = "false";
  process.env.CONTINUOUS_INTEGRATION = "false";
  const { runPlanner } = await import("./ui/run.js");
  return runPlanner({
    workload,
    users,
    stack: values.stack ?? "dev",
    stackDir: values["stack-dir"] ?? ".",
    ...(values.prices ? { prices: values.prices } : {}),
  });
}

function print(text: string): number {
  process.stdout.write(text);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "cost":
      return costCommand(rest);
    case "pricing": {
      const [sub, ...args] = rest;
      if (sub === "refresh") return refreshCommand(args);
      if (sub === "show") return showCommand(args);
      throw new UserError(`Unknown pricing command ${sub ?? "(none)"}.`, "Use `stowage pricing refresh` or `stowage pricing show`.");
    }
    case "latency":
      return latencyCommand(rest);
    case "plan":
      return planCommand(rest);
    case "planner":
      return plannerCommand(rest);
    case "policy":
      return policyCommand(rest);
    case "estimate":
      return estimateCommand(rest);
    case "verify":
      return verifyCommand(rest);
    case "help":
      return print(({ verify: VERIFY_HELP, estimate: ESTIMATE_HELP, policy: POLICY_HELP, planner: PLANNER_HELP, plan: PLAN_HELP, latency: LATENCY_HELP, cost: COST_HELP, pricing: `${REFRESH_HELP}\n${SHOW_HELP}` } as Record<string, string>)[rest[0] ?? ""] ?? HELP);
    case undefined:
    case "--help":
    case "-h":
      return print(HELP);
    case "--version":
      return print(`${version()}\n`);
    default:
      throw new UserError(`Unknown command ${command}.`, "Run `stowage --help` for the commands.");
  }
}

export function reportError(err: unknown): number {
  if (err instanceof UserError) {
    process.stderr.write(`stowage: ${err.message}\n${err.tryMessage ? `${err.tryMessage}\n` : ""}`);
    return err.exitCode;
  }
  process.stderr.write(`stowage: internal error: ${(err as Error)?.stack ?? String(err)}\nThis is a bug in Stowage; please report it with the command you ran.\n`);
  return 1;
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/").split("/").pop()!);
if (invokedDirectly) {
  // The AWS SDK warns on every run under Node 20 that its releases after January 2027 need Node 22. That is for
  // whoever upgrades the lockfile (README, Requirements), not for someone running `stowage verify`; set this to
  // "false" to see it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => (process.exitCode = reportError(err)),
  );
}
