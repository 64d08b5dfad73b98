/**
 * What the policy tests share: the built `stowage policy` run from here or from elsewhere, and the exact set of
 * [policy, resource, level] findings a report holds.
 */
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { resolve } from "node:path";

/** The built `stowage policy`, as a user runs it. */
export const run = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile("node", ["dist/bundle/cli.js", "policy", ...args], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

export const sorted = (rows: string[][]) => rows.sort((a, b) => a.join(" ").localeCompare(b.join(" ")));

/** A log bucket declared with nothing but its name: what a log bucket is judged for. */
export const LOG_BUCKET_HOLES = (bucket: string) => [
  ["s3-require-tls", bucket, "mandatory"],
  ["s3-public-access-block", bucket, "advisory"],
  ["s3-lifecycle", bucket, "mandatory"],
  ["s3-versioning", bucket, "mandatory"],
  ["s3-kms-encryption", bucket, "advisory"],
];

/** [policy, resource, level] of every finding, sorted: the exact set a fixture must produce. */
export function findingsOf(report: { violations: { policy: string; resource: { name: string }; enforcementLevel: string }[] }): string[][] {
  return report.violations.map((v) => [v.policy, v.resource.name, v.enforcementLevel]).sort((a, b) => a.join(" ").localeCompare(b.join(" ")));
}

/** The built command, started from a folder outside the repository (as `--program ../other-project` is). */
export const runElsewhere = (...args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile("node", [resolve("dist/bundle/cli.js"), "policy", ...args], { cwd: tmpdir() }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
