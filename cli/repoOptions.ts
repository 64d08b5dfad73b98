/**
 * The flags every data-layer command shares (which store, how to reach it, progress), and turning them into open
 * repositories. Progress goes to stderr, at most a line a second for each count, when stderr is a terminal or --progress is given.
 */
import { UserError } from "../core/errors.js";
import { parseRepo, openRepo, type RepoSpec } from "../datalayer/repo.js";
import type { S3RepoOptions } from "../datalayer/s3Store.js";
import type { Progress } from "../datalayer/data.js";
import type { Store } from "../datalayer/store.js";
import { choose, endpointFlag, intFlag } from "./options.js";

export const REPO_OPTIONS = {
  endpoint: { type: "string" },
  region: { type: "string" },
  sse: { type: "string" },
  "kms-key": { type: "string" },
  timeout: { type: "string" },
  progress: { type: "boolean" },
} as const;

export const REPO_HELP = `Repositories: s3://bucket/prefix (a bucket; with versioning it pins versionIds, without it keeps contents by SHA-256),
azure://account/container/prefix (Azure Blob Storage), or a local folder; the same commands and results for all.
--endpoint URL and --region R for S3-compatible stores (path-style); credentials from the standard AWS chain.
Azure: the account key in AZURE_STORAGE_KEY or a SAS token in AZURE_STORAGE_SAS_TOKEN; --endpoint URL reaches the
account path-style at URL/account (Azurite: --endpoint http://127.0.0.1:10000).
--sse aws:kms|none: encryption asked for on uploads (default aws:kms on AWS, none with --endpoint); --kms-key ARN
names the key (Stowage's bucket policies require the bucket's own key on every upload). --timeout MS per request (default 30000). --progress prints progress to stderr (the default
when stderr is a terminal).`;

type Values = { endpoint?: string; region?: string; sse?: string; "kms-key"?: string; timeout?: string; progress?: boolean };

export function s3Options(values: Values): S3RepoOptions {
  return {
    ...(values.endpoint ? { endpoint: endpointFlag("--endpoint", values.endpoint) } : {}),
    ...(values.region ? { region: values.region } : {}),
    ...(values.sse ? { sse: choose(values.sse, ["aws:kms", "none"] as const, "--sse") } : {}),
    ...(values["kms-key"] ? { kmsKeyId: values["kms-key"] } : {}),
    timeoutMs: intFlag(values.timeout, "--timeout", 30_000, 100, 3_600_000),
  };
}

export function repoArg(value: string | undefined, what: string, help: string, withRef = false): RepoSpec {
  if (!value) throw new UserError(`${what} is required.`, `See:\n${help}`);
  return parseRepo(value, withRef);
}

export async function open(spec: RepoSpec, values: Values, create = false): Promise<Store> {
  return openRepo(spec, s3Options(values), create);
}

/** Lines such as `stowage: datums done: 120 of at least 300` (while the total is still growing), then `… of 5000`. */
export function progressReporter(values: Values): Progress {
  if (!values.progress && !process.stderr.isTTY) return () => {};
  const last = new Map<string, number>(); // a line a second for each count: a phase's first line is not held back
  return (what, n, of, atLeast) => {
    const now = Date.now();
    if (now - (last.get(what) ?? 0) < 1000 && (n !== of || atLeast)) return;
    last.set(what, now);
    process.stderr.write(`stowage: ${what}: ${n}${of !== undefined ? ` of ${atLeast ? "at least " : ""}${of}` : ""}\n`);
  };
}
