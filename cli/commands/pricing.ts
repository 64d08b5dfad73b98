import { UserError } from "../../core/errors.js";
import { defaultSnapshotDir } from "../../core/paths.js";
import { SERVICE_CODES, type ServiceCode } from "../../core/pricing/catalog.js";
import { REFRESH_DEADLINE_MS, REQUEST_TIMEOUT_MS } from "../../core/pricing/deadlines.js";
import { ageInDays, loadSnapshot, staleAfterDays } from "../../core/pricing/snapshot.js";
import { textTable } from "../../core/render.js";
import { isRegionCode } from "../../core/regions.js";
import type { Command } from "../command.js";
import { COMMON_EXIT_CODES, FORMAT_OPTIONS, PRICES_OPTION, choose, formatFlag, intFlag, parse, print } from "../options.js";

const REFRESH_HELP = `stowage pricing refresh [--region R…] [--service S…] [--prices DIR] [--timeout MS]

Fetches on-demand prices with the AWS Price List API (GetProducts) and replaces, product by product (same SKU,
or same usage type and operation), the prices those regions had in the snapshot; the rest stay. Uses the
standard AWS credential chain (profile, environment, SSO, instance role) and needs pricing:GetProducts. Every
request must succeed before anything is written: a failed or partial refresh leaves the old snapshot as it was.

  --region R     a region to fetch (repeatable; default: every region the snapshot has prices for, or
                 us-east-1, us-east-2, us-west-2, eu-west-1 and eu-central-1 when there is no snapshot yet)
  --service S    a service code (repeatable; default: all of ${SERVICE_CODES.join(", ")})
  --prices DIR   the snapshot folder to update (default: the shipped data/prices, or STOWAGE_PRICES)
  --timeout MS   the whole refresh's deadline: every request, retry and page (default ${REFRESH_DEADLINE_MS});
                 one connect or request waits at most ${REQUEST_TIMEOUT_MS} ms of it. Past it, or when a request fails,
                 the refresh ends naming the endpoint it used, and the snapshot stays as it was

${COMMON_EXIT_CODES}
`;

const SHOW_HELP = `stowage pricing show [--region R] [--prices DIR] [--format table|json] [--json]

Lists which services each region has prices for, and per service and region how many products, their source,
retrieval date and age. Prices older than 180 days (STOWAGE_PRICE_MAX_AGE_DAYS) are flagged stale here, and every
command that uses them (cost, plan, estimate) warns on stderr, naming the refresh.

${COMMON_EXIT_CODES}
`;

async function refresh(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    { region: { type: "string", multiple: true }, service: { type: "string", multiple: true }, ...PRICES_OPTION, timeout: { type: "string" } },
    REFRESH_HELP,
  );
  if (values.help) return print(REFRESH_HELP);
  const timeoutMs = intFlag(values.timeout, "--timeout", REFRESH_DEADLINE_MS, 100, 3_600_000);
  // Loaded here, not at start-up: the AWS SDK is the slowest import and only this command needs it.
  const { DEFAULT_REFRESH_REGIONS, refresh } = await import("../../core/pricing/refresh.js");
  for (const r of values.region ?? []) if (!isRegionCode(r)) throw new UserError(`--region ${r} is not an AWS region code.`);
  const services = (values.service ?? [...SERVICE_CODES]).map((s) => choose(s, SERVICE_CODES, "--service") as ServiceCode);
  const dir = values.prices ?? defaultSnapshotDir();
  const regions =
    values.region ??
    (await loadSnapshot(dir).then(
      (s) => s.catalog.regions(),
      () => [...DEFAULT_REFRESH_REGIONS],
    ));
  const result = await refresh({
    dir,
    regions,
    services,
    timeoutMs,
    onProgress: (p) => process.stderr.write(`  ${p.service} ${p.region}: page ${p.page}, ${p.products} products\n`),
  });
  for (const p of result.problems)
    process.stderr.write(`  skipped a malformed ${p.service} product in ${p.region} (#${p.index}${p.sku ? `, ${p.sku}` : ""}): ${p.reason}\n`);
  return print(`Refreshed ${result.written.join(", ")} for ${regions.join(", ")}: ${result.products} products written to ${dir}.\n`);
}

async function show(args: string[]): Promise<number> {
  const { values } = parse(args, { region: { type: "string" }, ...PRICES_OPTION, ...FORMAT_OPTIONS }, SHOW_HELP);
  if (values.help) return print(SHOW_HELP);
  const json = formatFlag(values, ["table", "json"] as const) === "json";
  if (values.region !== undefined && !isRegionCode(values.region))
    throw new UserError(`--region ${values.region} is not an AWS region code.`, "For example --region eu-west-1.");
  const snapshot = await loadSnapshot(values.prices ?? defaultSnapshotDir());
  const now = new Date();
  const maxAge = staleAfterDays();
  const rows = [...snapshot.files.values()].flatMap((f) =>
    f.responses
      .filter((r) => !values.region || r.region === values.region)
      .map((r) => {
        const ageDays = ageInDays(r.retrievedAt, now);
        return {
          service: f.serviceCode,
          region: r.region,
          products: r.PriceList.length,
          retrievedAt: r.retrievedAt,
          ageDays,
          stale: ageDays > maxAge,
          source: r.source,
        };
      }),
  );
  // Coverage: which services each region has answers for.
  const regions = [...new Set(rows.map((r) => r.region))].sort();
  const coverage = Object.fromEntries(
    regions.map((region) => [region, SERVICE_CODES.filter((s) => rows.some((r) => r.region === region && r.service === s && r.products > 0))]),
  );
  if (values.region !== undefined && rows.length === 0) {
    throw new UserError(
      `The snapshot in ${snapshot.dir} has no prices for ${values.region}.`,
      `\`stowage pricing refresh --region ${values.region}\` fetches them.`,
    );
  }
  if (json)
    return print(
      `${JSON.stringify({ dir: snapshot.dir, asOf: snapshot.asOf, staleAfterDays: maxAge, coverage, answers: rows, problems: snapshot.catalog.complete().problems }, null, 2)}\n`,
    );
  const answers = textTable(
    [
      ["service", "region", "products", "retrieved", "age", "source"],
      ...rows.map((r) => [r.service, r.region, String(r.products), r.retrievedAt, `${r.ageDays} d${r.stale ? " (stale)" : ""}`, `${r.source.slice(0, 50)}…`]),
    ],
    (c) => c === 2 || c === 4,
  );
  const covered = textTable([
    ["region", ...SERVICE_CODES],
    ...regions.map((region) => [region, ...SERVICE_CODES.map((s) => (coverage[region]!.includes(s) ? "yes" : "-"))]),
  ]);
  return print(
    `Price snapshot in ${snapshot.dir} (oldest answer ${snapshot.asOf ?? "none"}; prices over ${maxAge} days old are flagged stale)\n\n${covered}\n\n${answers}\n`,
  );
}

export const command: Command = {
  name: "pricing",
  help: `${REFRESH_HELP}\n${SHOW_HELP}`,
  async run([sub, ...args]) {
    if (sub === "refresh") return refresh(args);
    if (sub === "show") return show(args);
    if (sub === "--help" || sub === "-h") return print(this.help);
    throw new UserError(`Unknown pricing command ${sub ?? "(none)"}.`, "Use `stowage pricing refresh` or `stowage pricing show`.");
  },
};
