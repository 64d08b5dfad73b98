/**
 * Opening a repository from what the user typed: `s3://bucket/prefix`, `azure://account/container/prefix` or a folder,
 * with an optional `@REF`.
 */
import { UserError } from "../core/errors.js";
import { openLocal } from "./localStore.js";
import { openS3, type S3RepoOptions } from "./s3Store.js";
import type { Store } from "./store.js";

export interface RepoSpec {
  readonly kind: "s3" | "azure" | "local";
  /** A bucket, or an Azure container. */
  readonly bucket?: string;
  /** Azure's storage account. */
  readonly account?: string;
  /** "" or ending in "/". */
  readonly prefix?: string;
  readonly folder?: string;
  readonly ref?: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Azure's rules: an account is 3-24 lowercase letters and digits; a container 3-63 of those and single hyphens. */
const ACCOUNT = /^[a-z0-9]{3,24}$/;
const CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

function checkPrefix(text: string, parts: string[]): string {
  const prefix = parts.filter(Boolean).join("/");
  if (prefix.split("/").some((p) => p === "." || p === ".." || p === ".stowage"))
    throw new UserError(`${text}: the prefix may not contain ".", ".." or ".stowage".`);
  return prefix ? `${prefix}/` : "";
}

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
    return { kind: "s3", bucket, prefix: checkPrefix(text, parts), ...(ref ? { ref } : {}) };
  }
  if (rest.startsWith("azure://")) {
    const [account = "", container = "", ...parts] = rest.slice(8).split("/");
    if (!ACCOUNT.test(account))
      throw new UserError(
        `${text}: ${JSON.stringify(account)} is not a storage account name.`,
        "Write azure://account/container/prefix, e.g. azure://stowagedata/images/uploads.",
      );
    if (!CONTAINER.test(container))
      throw new UserError(
        `${text}: ${JSON.stringify(container)} is not a container name.`,
        "Write azure://account/container/prefix, e.g. azure://stowagedata/images/uploads.",
      );
    return { kind: "azure", account, bucket: container, prefix: checkPrefix(text, parts), ...(ref ? { ref } : {}) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) throw new UserError(`${text}: only s3:// and azure:// URLs and local folders are repositories.`);
  if (!rest) throw new UserError("A repository is required.", "Give a folder, s3://bucket/prefix or azure://account/container/prefix.");
  return { kind: "local", folder: rest, ...(ref ? { ref } : {}) };
}

/** `create`: a missing local folder is made (an output repository); otherwise it is an error. */
export async function openRepo(spec: RepoSpec, opts: S3RepoOptions, create = false): Promise<Store> {
  if (spec.kind === "azure") {
    // Loaded only for Azure repositories: Azure's client is not needed to start any other command.
    const { openAzure } = await import("./azureStore.js");
    return openAzure(spec.account!, spec.bucket!, spec.prefix!, opts);
  }
  return spec.kind === "s3" ? openS3(spec.bucket!, spec.prefix!, opts) : openLocal(spec.folder!, create);
}
