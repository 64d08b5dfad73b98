/**
 * Live prices: `GetProducts` through @aws-sdk/client-pricing (its credential chain, retries with backoff on
 * throttling, and paginator over NextToken), parsed by the same code as the snapshot, written all-or-nothing.
 */
import { GetProductsCommand, PricingClient, type Filter } from "@aws-sdk/client-pricing";
import { UserError } from "../errors.js";
import { sdkTimeouts, withDeadline } from "../net.js";
import { REFRESH_DEADLINE_MS, REQUEST_TIMEOUT_MS } from "./deadlines.js";
import { SERVICE_CODES, type ServiceCode } from "./catalog.js";
import { parsePriceList, type ParseProblem } from "./pricelist.js";
import { loadSnapshot, mergeResponses, writeSnapshotFiles, type GetProductsQuery, type SnapshotFile, type SnapshotResponse } from "./snapshot.js";

/** What a refresh without --region fetches when there is no snapshot yet to take its regions from. */
export const DEFAULT_REFRESH_REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1"] as const;

const term = (Field: string, Value: string): Filter => ({ Type: "TERM_MATCH", Field, Value });

/**
 * The queries that fetch what the cost models price, per service and region. EC2 is filtered to EBS product
 * families (its unfiltered regional offer is ~500 MB); RDS to PostgreSQL instances and the engine-independent
 * ("Any") storage, IOPS and backup, in the region itself (Outposts and Local Zone SKUs share usage types with it).
 */
export function queriesFor(service: ServiceCode, region: string): GetProductsQuery[] {
  const q = (...Filters: Filter[]): GetProductsQuery => ({ ServiceCode: service, Filters: Filters as GetProductsQuery["Filters"] });
  switch (service) {
    case "AmazonEC2":
      return ["Storage", "System Operation", "Provisioned Throughput", "Storage Snapshot"].map((family) =>
        q(term("regionCode", region), term("productFamily", family)),
      );
    case "AmazonRDS":
      return [
        q(term("regionCode", region), term("productFamily", "Database Instance"), term("databaseEngine", "PostgreSQL"), term("locationType", "AWS Region")),
        // Storage, provisioned IOPS and backup are shared by every engine: databaseEngine "Any" in the Price List.
        q(term("regionCode", region), term("productFamily", "Database Storage"), term("databaseEngine", "Any"), term("locationType", "AWS Region")),
        q(term("regionCode", region), term("productFamily", "Provisioned IOPS"), term("databaseEngine", "Any"), term("locationType", "AWS Region")),
        q(term("regionCode", region), term("productFamily", "Storage Snapshot"), term("databaseEngine", "Any")),
      ];
    case "AWSDataTransfer":
      return [q(term("fromRegionCode", region))];
    default:
      return [q(term("regionCode", region))];
  }
}

export interface RefreshProgress {
  readonly service: ServiceCode;
  readonly region: string;
  readonly page: number;
  readonly products: number;
}

export interface RefreshOptions {
  readonly dir: string;
  readonly regions: readonly string[];
  readonly services: readonly ServiceCode[];
  /** An SDK client; by default one for the Price List endpoint in us-east-1 with the standard credential chain. */
  readonly client?: PricingClient;
  readonly onProgress?: (p: RefreshProgress) => void;
  /** The date recorded as `retrievedAt`; today by default. */
  readonly now?: Date;
  /** The whole refresh's deadline (default 300 s); each connect and request also gets at most 30 s of it. */
  readonly timeoutMs?: number;
}

export interface RefreshResult {
  readonly written: readonly ServiceCode[];
  readonly products: number;
  /** Malformed elements in the answers: skipped and reported. */
  readonly problems: readonly (ParseProblem & { service: string; region: string })[];
}

export function defaultClient(timeoutMs = REQUEST_TIMEOUT_MS): PricingClient {
  // The Price List API answers only in a few regions; us-east-1 serves every service. 5 attempts with the SDK's
  // exponential backoff ride out throttling.
  return new PricingClient({ region: "us-east-1", maxAttempts: 5, ...sdkTimeouts(timeoutMs) });
}

async function fetchAll(client: PricingClient, query: GetProductsQuery, onPage: (n: number) => void, abortSignal: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  // Page by page with the deadline's signal on each request (the SDK's paginator takes none), so that a refresh
  // past its deadline stops its requests and retries instead of running on after the command has failed.
  let NextToken: string | undefined;
  do {
    const input = {
      ServiceCode: query.ServiceCode,
      Filters: [...query.Filters] as Filter[],
      FormatVersion: "aws_v1",
      MaxResults: 100,
      ...(NextToken ? { NextToken } : {}),
    };
    const page = await client.send(new GetProductsCommand(input), { abortSignal });
    // The SDK hands each element over as a LazyJsonString (a String object); the snapshot stores plain strings.
    out.push(...(page.PriceList ?? []).map(String));
    onPage(out.length);
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

function explain(err: unknown, endpoint: string): UserError {
  if (err instanceof UserError) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? "Error";
  // The SDK's HTTP handler words its errors as its log lines ("@smithy/node-http-handler - [ERROR] a request has
  // exceeded …"): the user is told what happened and where, not which package logged it.
  const message = (e.message ?? "").replace(/^@[\w/-]+ - \[\w+\]\s*/, "").replace(/\.+$/, "");
  if (name === "CredentialsProviderError" || /credential/i.test(e.message ?? "")) {
    return new UserError(
      `No AWS credentials for the Price List API at ${endpoint} (${message || name}). The snapshot was not changed.`,
      "Configure credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or `aws sso login`) with pricing:GetProducts; until then the shipped snapshot is used.",
    );
  }
  return new UserError(
    `The Price List API request to ${endpoint} failed: ${name}${message ? `: ${message}` : ""}. The snapshot was not changed.`,
    `Check network access to ${endpoint} (AWS_ENDPOINT_URL_PRICING or AWS_ENDPOINT_URL sets another) and try again.`,
  );
}

/**
 * Fetches every (service, region), then writes. Any failed request, or a region for which no usable product came
 * back, aborts before anything is written: the old snapshot stays intact.
 */
export async function refresh(opts: RefreshOptions): Promise<RefreshResult> {
  for (const s of opts.services) {
    if (!SERVICE_CODES.includes(s)) throw new UserError(`Unknown service ${s}.`, `Use one of: ${SERVICE_CODES.join(", ")}.`);
  }
  const deadlineMs = opts.timeoutMs ?? REFRESH_DEADLINE_MS;
  const client = opts.client ?? defaultClient(Math.min(deadlineMs, REQUEST_TIMEOUT_MS));
  // The endpoint each request really went to (the SDK resolves it from the region, AWS_ENDPOINT_URL_PRICING,
  // AWS_ENDPOINT_URL or the profile), for messages that name it.
  let endpoint = process.env.AWS_ENDPOINT_URL_PRICING ?? process.env.AWS_ENDPOINT_URL ?? "https://api.pricing.us-east-1.amazonaws.com";
  client.middlewareStack.add(
    (next) => async (args) => {
      const r = args.request as { protocol?: string; hostname?: string; port?: number };
      if (r.hostname) endpoint = `${r.protocol ?? "https:"}//${r.hostname}${r.port ? `:${r.port}` : ""}`;
      return next(args);
    },
    { step: "finalizeRequest", name: "stowageRecordEndpoint", override: true },
  );
  try {
    return await withDeadline(
      deadlineMs,
      () => `${endpoint} (nothing was written)`,
      (signal) => fetchAndWrite(opts, client, signal),
    );
  } catch (err) {
    throw explain(err, endpoint);
  } finally {
    if (!opts.client) client.destroy();
  }
}

async function fetchAndWrite(opts: RefreshOptions, client: PricingClient, signal: AbortSignal): Promise<RefreshResult> {
  const retrievedAt = (opts.now ?? new Date()).toISOString().slice(0, 10);
  const old = await loadSnapshot(opts.dir).catch(() => null);
  const fresh = new Map<ServiceCode, SnapshotResponse[]>();
  const problems: RefreshResult["problems"][number][] = [];
  let products = 0;
  for (const service of opts.services) {
    for (const region of opts.regions) {
      const queries = queriesFor(service, region);
      const priceList: string[] = [];
      let page = 0;
      for (const query of queries) {
        priceList.push(...(await fetchAll(client, query, (n) => opts.onProgress?.({ service, region, page: ++page, products: priceList.length + n }), signal)));
      }
      const parsed = parsePriceList(priceList);
      problems.push(...parsed.problems.map((p) => ({ ...p, service, region })));
      if (parsed.entries.length === 0) {
        throw new UserError(
          `The Price List API returned no usable ${service} products for ${region}. The snapshot was not changed.`,
          `Check the region code; \`stowage pricing refresh --region ${region} --service ${service}\` retries just that.`,
        );
      }
      products += parsed.entries.length;
      const list = fresh.get(service) ?? [];
      list.push({ region, queries, source: "aws-pricing-api GetProducts (api.pricing.us-east-1.amazonaws.com)", retrievedAt, PriceList: priceList });
      fresh.set(service, list);
    }
  }
  const files: SnapshotFile[] = [...fresh].map(([service, responses]) => mergeResponses(old?.files.get(service), service, responses));
  await writeSnapshotFiles(opts.dir, files);
  return { written: [...fresh.keys()], products, problems };
}
