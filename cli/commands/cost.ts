import { UserError } from "../../core/errors.js";
import { OPTION_IDS, estimate, type OptionId } from "../../core/cost/horizon.js";
import type { Workload } from "../../core/cost/workload.js";
import { FORMATS, render, type Format } from "../render/cost.js";
import { defaultSnapshotDir } from "../../core/paths.js";
import { loadSnapshot, staleWarning } from "../../core/pricing/snapshot.js";
import { findRegion, isRegionCode } from "../../core/regions.js";
import { CLOUD_OPTIONS, type OtherProvider } from "../../core/clouds/horizon.js";
import { OTHER_PROVIDERS, PROVIDERS, findLocation, locationsOf, nearestLocation, type Provider } from "../../core/clouds/locations.js";
import type { CostReport } from "../../core/cost/horizon.js";
import type { Command } from "../command.js";
import { FORMAT_OPTIONS, PRICES_OPTION, choose, formatFlag, intFlag, parse, print, warn, COMMON_EXIT_CODES } from "../options.js";

const HELP = `stowage cost --workload FILE [--provider P…] [--region R] [--months N] [--format table|json|markdown|csv]
             [--json] [--detail OPTION…] [--only OPTION…]

Prices one workload (a YAML file; examples/workload.yaml documents every key) in every option:
  aws    ${OPTION_IDS.join(", ")}
${OTHER_PROVIDERS.map((p) => `  ${p.padEnd(6)} ${CLOUD_OPTIONS[p].map((o) => o.id).join(", ")}`).join("\n")}

Options:
  --workload FILE   the workload file (required)
  --provider P      ${PROVIDERS.join(", ")} or all (repeatable; default aws). Another provider is priced at its
                    location nearest the workload's region, from the prices in data/other-clouds
  --region R        price in this region instead of the workload's \`region\` (with one other provider: its
                    location code, e.g. us-central1, nam4, eastus)
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
  - Other providers: each provider's per-GB price applies to the workload's GB; their free tiers, minimum
    durations, retrieval fees and free egress are applied as each states them (README, "Moving between clouds").
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
        provider: { type: "string", multiple: true },
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
    const providers = chosenProviders(values.provider);
    const ids = providers.flatMap((p): string[] => (p === "aws" ? [...OPTION_IDS] : CLOUD_OPTIONS[p].map((o) => o.id)));
    const only = (values.only ?? []).map((o) => choose(o, ids, "--only"));
    const detail = (values.detail ?? []).includes("all") ? ids : (values.detail ?? []).map((o) => choose(o, ids, "--detail"));
    if (values.region && providers.length > 1) {
      throw new UserError(
        "--region names one provider's location, but several providers are asked for.",
        "Drop --region (each provider is priced at its location nearest the workload's region), or ask for one --provider.",
      );
    }
    // zod and yaml are most of start-up; only the commands that read a workload load them.
    const { loadWorkload } = await import("../../core/cost/workload.js");
    let workload = await loadWorkload(values.workload);
    const awsRegion = providers.includes("aws") ? values.region : undefined;
    if (awsRegion) {
      if (!isRegionCode(awsRegion)) throw new UserError(`--region ${awsRegion} is not an AWS region code.`, "Use a code like us-east-2 or eu-central-1.");
      workload = { ...workload, region: awsRegion, replication: { regions: workload.replication.regions.filter((r) => r !== awsRegion) } };
    }
    if (values.months) workload = { ...workload, horizon_months: intFlag(values.months, "--months", 36, 1, 120) };
    const reports: (CostReport<string> & { provider: Provider })[] = [];
    for (const provider of providers) {
      if (provider === "aws") {
        const awsOnly = only.filter((o): o is OptionId => (OPTION_IDS as readonly string[]).includes(o));
        if (only.length > 0 && awsOnly.length === 0) continue;
        reports.push({ provider, ...(await awsReport(workload, values.prices, awsOnly)) });
        continue;
      }
      const location = otherLocation(provider, values.region, workload.region);
      const [{ loadCloudPrices }, { estimateCloud }] = await Promise.all([import("../../core/clouds/load.js"), import("../../core/clouds/horizon.js")]);
      const { catalog, rules } = await loadCloudPrices();
      const ownIds = CLOUD_OPTIONS[provider].map((o) => o.id);
      if (only.length > 0 && !only.some((o) => ownIds.includes(o))) continue;
      reports.push(estimateCloud(workload, provider, location, catalog, rules, only));
    }
    const { combineReports } = await import("../../core/clouds/horizon.js");
    const report = reports.length === 1 ? reports[0]! : combineReports(reports, `${workload.region} and each provider's nearest location`);
    const stale = staleWarning(report.pricesAsOf);
    if (stale) warn(stale);
    return print(render(report, format, detail));
  },
};

/** `--provider`: one or more providers, "all" for every one; AWS alone by default. */
function chosenProviders(values: readonly string[] | undefined): Provider[] {
  if (!values || values.length === 0) return ["aws"];
  if (values.includes("all")) return [...PROVIDERS];
  return [...new Set(values.map((v) => choose(v, PROVIDERS, "--provider")))];
}

/** The location another provider is priced at: the one --region names, else the nearest to the workload's AWS region. */
function otherLocation(provider: OtherProvider, region: string | undefined, awsRegion: string) {
  if (region) {
    const named = findLocation(provider, region);
    if (!named)
      throw new UserError(
        `--region ${region} is not a ${provider} location Stowage has prices for.`,
        `Use one of: ${locationsOf(provider)
          .map((l) => l.code)
          .join(", ")}.`,
      );
    return named;
  }
  const at = findRegion(awsRegion);
  if (!at)
    throw new UserError(
      `The workload's region ${awsRegion} is not an AWS region code.`,
      "Set region: to a code like us-east-2, or name the provider's location with --region.",
    );
  return nearestLocation(provider, at);
}

async function awsReport(workload: Workload, prices: string | undefined, only: readonly OptionId[]): Promise<CostReport> {
  const snapshot = await loadSnapshot(prices ?? defaultSnapshotDir());
  // A region the snapshot knows nothing of would print a table of $0.00 and a page of missing prices.
  const priced = snapshot.catalog.regions();
  if (!priced.includes(workload.region)) {
    throw new UserError(
      `The price snapshot has no prices for ${workload.region} (it has ${priced.join(", ") || "none"}).`,
      `Run \`stowage pricing refresh --region ${workload.region}\`, or price another region with --region.`,
    );
  }
  const report = estimate(workload, snapshot.catalog, null, only.length ? { only } : {});
  // The snapshot's own date reads every stored answer: asked only when the report used no price at all.
  return report.pricesAsOf === null ? { ...report, pricesAsOf: snapshot.asOf } : report;
}
