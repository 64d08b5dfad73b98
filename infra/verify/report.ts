/**
 * `stowage verify --bucket NAME… [--endpoint URL] [--region R]`: reads each bucket's settings and judges them with
 * the policy pack's rules, returned as a report (cli/render/verify.ts renders it, cli/commands/verify.ts writes it
 * and chooses the exit code). Credentials come from the standard AWS chain (profile, environment, SSO, instance role).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { UserError } from "../../core/errors.js";
import { readJsonFile } from "../../core/inputs.js";
import { withDeadline } from "../../core/net.js";
import { canary, type CanaryCheck } from "./canary.js";
import { isUnknown } from "../model.js";
import { CannotRead, gatherBucket, s3Client, type LiveBucket } from "./live.js";
import { judgeBucket, type Finding } from "./verify.js";

export interface VerifyArgs {
  readonly buckets: readonly string[];
  /** A stack whose `buckets` output names the buckets (read with the Pulumi CLI). */
  readonly stack?: string;
  /** A `pulumi stack output --json` file instead of the CLI. */
  readonly outputsFile?: string;
  readonly endpoint?: string;
  /** The same store over plain HTTP, for the canary's plain-HTTP check (derived when it can be). */
  readonly httpEndpoint?: string;
  readonly region?: string;
  /** Also prove behaviour with a write/read/delete round trip (cleaned up afterwards). */
  readonly canary?: boolean;
  /** Buckets known to be replicas (the stack's outputs say so). */
  readonly replicas?: readonly string[];
  /** Per connect and per request; the whole run gets 10 × this. */
  readonly timeoutMs?: number;
}

export interface VerifyReport {
  readonly endpoint: string;
  readonly buckets: readonly {
    readonly name: string;
    readonly region: string | null;
    readonly findings: readonly Finding[];
    readonly canary?: readonly CanaryCheck[];
  }[];
}

/** A bucket that is not there fails verification: the stack (or the caller) says it should exist. */
const NO_SUCH_BUCKET: Finding = { rule: "bucket-exists", control: "stowage", status: "fail", message: "the bucket does not exist (NoSuchBucket)" };

/** What to do when nothing can be read: no credentials, credentials refused, or no endpoint to talk to. */
function cannotVerify(err: CannotRead, endpoint: string): UserError {
  switch (err.kind) {
    case "no-credentials":
      return new UserError(
        "No AWS credentials found: the SDK's chain (environment, shared config and SSO profiles, container and instance roles) gave none.",
        "Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; after `aws sso login` for an SSO profile.",
      );
    case "rejected-credentials":
      return new UserError(
        `${endpoint} refused the credentials (${err.detail}).`,
        "Check the access key, secret and session token for this endpoint and region.",
      );
    default:
      return new UserError(`Cannot reach ${endpoint} (${err.detail}).`, "Check --endpoint and --region, the network, and that the store is running.");
  }
}

/**
 * Where the canary sends its plain-HTTP upload: --http-endpoint, or the endpoint with http:// when that is the same
 * service (on AWS, the bucket's own regional endpoint; an https URL on the default port). Otherwise why there is
 * nothing to compare with.
 */
export function plainTwin(args: Pick<VerifyArgs, "endpoint" | "httpEndpoint" | "region">, bucketRegion: string | null): string | { reason: string } {
  if (args.httpEndpoint) return args.httpEndpoint;
  if (!args.endpoint) return `http://s3.${bucketRegion ?? args.region ?? "us-east-1"}.amazonaws.com`;
  const url = new URL(args.endpoint);
  if (url.protocol === "http:") return { reason: "the endpoint is plain HTTP: there is no TLS to compare with" };
  if (url.port) return { reason: `pass --http-endpoint: the plain-HTTP port of ${url.host} cannot be guessed` };
  url.protocol = "http:";
  return url.origin;
}

export async function verify(args: VerifyArgs): Promise<VerifyReport> {
  const endpoint = args.endpoint ?? `https://s3.${args.region ?? "us-east-1"}.amazonaws.com`;
  const timeoutMs = args.timeoutMs ?? 10_000;
  return withDeadline(10 * timeoutMs, endpoint, () => verifyWithin(args, endpoint, timeoutMs));
}

async function verifyWithin(args: VerifyArgs, endpoint: string, timeoutMs: number): Promise<VerifyReport> {
  const client = s3Client({ ...(args.region ? { region: args.region } : {}), ...(args.endpoint ? { endpoint: args.endpoint } : {}), timeoutMs });
  /** The canary, with a plain-HTTP client for the same store when there is one to compare with. */
  const canaryOf = async (name: string, live: LiveBucket) => {
    const twin = plainTwin(args, live.region);
    if (typeof twin !== "string") return canary(client, name, live.facts, twin);
    const region = args.endpoint ? args.region : (live.region ?? args.region);
    const plain = s3Client({ ...(region ? { region } : {}), endpoint: twin, timeoutMs });
    try {
      return await canary(client, name, live.facts, plain);
    } finally {
      plain.destroy();
    }
  };
  try {
    const gathered = new Map<string, LiveBucket | null>();
    for (const name of args.buckets) {
      try {
        gathered.set(name, await gatherBucket(client, name));
      } catch (err) {
        if (!(err instanceof CannotRead)) throw err;
        if (err.kind !== "no-such-bucket") throw cannotVerify(err, endpoint);
        gathered.set(name, null);
      }
    }
    // A replica is judged as a data bucket but not asked to replicate itself: it is the destination of another
    // bucket's replication (read live), or the stack's outputs say so.
    const replicas = new Set([
      ...(args.replicas ?? []),
      ...[...gathered.values()].flatMap((l) =>
        l && l.facts.replication && !isUnknown(l.facts.replication) ? (l.facts.replication.destinationBuckets ?? []) : [],
      ),
    ]);
    const buckets = [];
    for (const [name, live] of gathered) {
      if (!live) {
        buckets.push({ name, region: null, findings: [NO_SUCH_BUCKET] });
        continue;
      }
      const facts = replicas.has(name) ? { ...live.facts, isReplica: true } : live.facts;
      buckets.push({
        name,
        region: live.region,
        findings: judgeBucket(facts, {}, args.endpoint),
        ...(args.canary ? { canary: await canaryOf(name, live) } : {}),
      });
    }
    return { endpoint, buckets };
  } finally {
    client.destroy();
  }
}

/**
 * Physical bucket names from the stack's `buckets` output ({ logical: { region: { name, arn } } }), primary and
 * replicas alike. Stack configs hold logical names only; the names AWS knows come from the deployed stack.
 */
export function bucketsFromOutputs(outputs: unknown): { name: string; region: string; replica: boolean }[] {
  const buckets = (outputs as { buckets?: Record<string, Record<string, { name?: string; replica?: boolean }>> })?.buckets;
  if (!buckets || typeof buckets !== "object")
    throw new UserError("The stack outputs have no `buckets` output.", "Use the outputs of a Stowage stack (`pulumi stack output --json`).");
  return Object.values(buckets).flatMap((byRegion) =>
    Object.entries(byRegion).flatMap(([region, b]) => (b?.name ? [{ name: b.name, region, replica: b.replica === true }] : [])),
  );
}

async function stackOutputs(args: VerifyArgs): Promise<unknown> {
  if (args.outputsFile) {
    return readJsonFile(args.outputsFile, "stack outputs", "Write them with `pulumi stack output --json --stack NAME > outputs.json`.");
  }
  try {
    const { stdout } = await promisify(execFile)("pulumi", ["stack", "output", "--json", "--stack", args.stack!]);
    return JSON.parse(stdout);
  } catch {
    throw new UserError(
      `Could not read the outputs of stack ${args.stack} with the Pulumi CLI.`,
      `Log in with the Pulumi CLI, or pass --outputs FILE written by \`pulumi stack output --json --stack ${args.stack}\`.`,
    );
  }
}

/** The buckets named by --bucket and, with --stack or --outputs, by the stack's outputs, verified. */
export async function verifyReport(args: VerifyArgs): Promise<VerifyReport> {
  if (args.stack || args.outputsFile) {
    const named = bucketsFromOutputs(await stackOutputs(args));
    return verify({
      ...args,
      buckets: [...args.buckets, ...named.map((b) => b.name)],
      replicas: named.filter((b) => b.replica).map((b) => b.name),
    });
  }
  if (args.buckets.length === 0)
    throw new UserError(
      "Name at least one bucket with --bucket.",
      "Try `stowage verify --bucket my-bucket` or `stowage verify --stack prod`; with an S3-compatible store add --endpoint http://host:port.",
    );
  return verify(args);
}
