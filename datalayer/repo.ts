/** Opening a repository from what the user typed: `s3://bucket/prefix` or a folder, with an optional `@REF`. */
import { UserError } from "../core/errors.js";
import { openLocal } from "./localStore.js";
import { openS3, type S3RepoOptions } from "./s3Store.js";
import type { Store } from "./store.js";

export interface RepoSpec {
  readonly kind: "s3" | "local";
  readonly bucket?: string;
  /** "" or ending in "/". */
  readonly prefix?: string;
  readonly folder?: string;
  readonly ref?: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `withRef`: a trailing `@REF` names a branch or commit (only where a command takes one). */
export function parseRepo(text: string, withRef = false): RepoSpec {
  let ref: string | undefined;
  let rest = text;
  const at = text.lastIndexOf("@");
  if (withRef && at > 0 && !text.slice(at).includes("/")) {
    ref = text.slice(at + 1);
    rest = text.slice(0, at);
    if (!ref) throw new UserError(`${text}: nothing after @.`, "Give a branch or commit after @, or leave @ out for the branch head.");
  }
  if (rest.startsWith("s3://")) {
    const [bucket = "", ...parts] = rest.slice(5).split("/");
    if (!BUCKET.test(bucket))
      throw new UserError(`${text}: ${JSON.stringify(bucket)} is not a bucket name.`, "Write s3://bucket/prefix, e.g. s3://images/uploads.");
    const prefix = parts.filter(Boolean).join("/");
    if (prefix.split("/").some((p) => p === "." || p === ".." || p === ".stowage"))
      throw new UserError(`${text}: the prefix may not contain ".", ".." or ".stowage".`);
    return { kind: "s3", bucket, prefix: prefix ? `${prefix}/` : "", ...(ref ? { ref } : {}) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) throw new UserError(`${text}: only s3:// URLs and local folders are repositories.`);
  if (!rest) throw new UserError("A repository is required.", "Give a folder or s3://bucket/prefix.");
  return { kind: "local", folder: rest, ...(ref ? { ref } : {}) };
}

/** `create`: a missing local folder is made (an output repository); otherwise it is an error. */
export async function openRepo(spec: RepoSpec, opts: S3RepoOptions, create = false): Promise<Store> {
  return spec.kind === "s3" ? openS3(spec.bucket!, spec.prefix!, opts) : openLocal(spec.folder!, create);
}
