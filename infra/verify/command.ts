/**
 * `stowage verify --bucket NAME… [--endpoint URL] [--region R]`: reads each bucket's settings and judges them with
 * the policy pack's rules. Credentials come from the standard AWS chain (profile, environment, SSO, instance role).
 */
import { UserError } from "../../planner/errors.js";
import { gatherBucket, s3Client } from "./live.js";
import { judgeBucket, type Finding } from "./verify.js";

export interface VerifyArgs {
  readonly buckets: readonly string[];
  readonly endpoint?: string;
  readonly region?: string;
  readonly format: "table" | "json" | "markdown";
}

export interface VerifyReport {
  readonly endpoint: string;
  readonly buckets: readonly { readonly name: string; readonly region: string | null; readonly findings: readonly Finding[] }[];
}

/** Exit code when a mandatory rule fails on a live bucket. */
export const VERIFY_FAILED = 4;

export async function verify(args: Omit<VerifyArgs, "format">): Promise<VerifyReport> {
  const client = s3Client({ ...(args.region ? { region: args.region } : {}), ...(args.endpoint ? { endpoint: args.endpoint } : {}) });
  try {
    const buckets = [];
    for (const name of args.buckets) {
      const live = await gatherBucket(client, name);
      buckets.push({ name, region: live.region, findings: judgeBucket(live.facts) });
    }
    return { endpoint: args.endpoint ?? `https://s3.${args.region ?? "us-east-1"}.amazonaws.com`, buckets };
  } finally {
    client.destroy();
  }
}

export function verifyText(r: VerifyReport, markdown: boolean): string {
  const out: string[] = [];
  for (const b of r.buckets) {
    const failed = b.findings.filter((f) => f.status === "fail").length;
    const unknown = b.findings.filter((f) => f.status === "unknown").length;
    out.push(`${markdown ? "### " : ""}${b.name} (${b.region ?? "region unknown"}): ${failed} failed, ${unknown} unknown, ${b.findings.length - failed - unknown} passed`);
    for (const f of b.findings) out.push(`${markdown ? "- " : "  "}${f.status.padEnd(7)} ${f.control.padEnd(11)} ${f.rule}${f.message ? `: ${f.message}` : ""}${f.reason ? ` (${f.reason})` : ""}`);
    out.push("");
  }
  return `${out.join("\n")}`;
}

export async function runVerify(args: VerifyArgs): Promise<number> {
  if (args.buckets.length === 0) throw new UserError("Name at least one bucket with --bucket.", "Try `stowage verify --bucket my-bucket`; with an S3-compatible store add --endpoint http://host:port.");
  const report = await verify(args);
  process.stdout.write(args.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : verifyText(report, args.format === "markdown"));
  return report.buckets.some((b) => b.findings.some((f) => f.status === "fail")) ? VERIFY_FAILED : 0;
}
