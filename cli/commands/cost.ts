import { UserError } from "../../core/errors.js";
import { OPTION_IDS, estimate } from "../../core/cost/estimate.js";
import { FORMATS, render, type Format } from "../../core/cost/format.js";
import { defaultSnapshotDir } from "../../core/paths.js";
import { loadSnapshot, warnIfStale } from "../../core/pricing/snapshot.js";
import { isRegionCode } from "../../core/regions.js";
import type { Command } from "../command.js";
import { FORMAT_OPTIONS, PRICES_OPTION, choose, formatFlag, intFlag, parse, print, COMMON_EXIT_CODES } from "../options.js";

const HELP = `stowage cost --workload FILE [--region R] [--months N] [--format table|json|markdown|csv] [--json]
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
${COMMON_EXIT_CODES}
`;

export const command: Command = {
  name: "cost",
  help: HELP,
  async run(args) {
    const { values } = parse(
      args,
      {
        workload: { type: "string", short: "w" },
        region: { type: "string" },
        months: { type: "string" },
        ...FORMAT_OPTIONS,
        detail: { type: "string", multiple: true },
        only: { type: "string", multiple: true },
        ...PRICES_OPTION,
      },
      HELP,
    );
    if (values.help) return print(HELP);
    if (!values.workload) throw new UserError("--workload FILE is required.", "Try `stowage cost --workload examples/workload.yaml`.");
    const format: Format = formatFlag(values, FORMATS);
    const only = (values.only ?? []).map((o) => choose(o, OPTION_IDS, "--only"));
    const detail = (values.detail ?? []).includes("all") ? [...OPTION_IDS] : (values.detail ?? []).map((o) => choose(o, OPTION_IDS, "--detail"));
    // zod and yaml are most of start-up; only the commands that read a workload load them.
    const { loadWorkload } = await import("../../core/cost/workload.js");
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
    warnIfStale(report.pricesAsOf);
    return print(render(report, format, detail));
  },
};
