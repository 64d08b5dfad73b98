/**
 * A repository under a prefix of an Azure Blob Storage container, `azure://account/container/prefix`, through Azure's
 * own client (@azure/storage-blob). Used content-addressed (casStore.ts): blob versioning is an account setting a role
 * may not read and Azurite does not implement, and conditional creates (`If-None-Match: *`) hold on both, so branches
 * advance as on S3 with conditional writes.
 *
 * Reached at https://ACCOUNT.blob.core.windows.net, or path-style at ENDPOINT/ACCOUNT with --endpoint (as S3-compatible
 * endpoints are path-style; Azurite: --endpoint http://127.0.0.1:10000), with the account key in AZURE_STORAGE_KEY or
 * a SAS token in AZURE_STORAGE_SAS_TOKEN.
 */
import { BlobServiceClient, RestError, StorageSharedKeyCredential, type ContainerClient } from "@azure/storage-blob";
import type { Readable } from "node:stream";
import { UserError } from "../core/errors.js";
import { BlobStore, type Blob, type Blobs } from "./casStore.js";
import type { Store } from "./store.js";

export interface AzureRepoOptions {
  /** Scheme, host and port of a blob service addressed path-style (ENDPOINT/ACCOUNT); https://ACCOUNT.blob.core.windows.net when absent. */
  readonly endpoint?: string;
  readonly timeoutMs?: number;
}

export function openAzure(account: string, container: string, prefix: string, opts: AzureRepoOptions, env = process.env): Store {
  const url = `azure://${account}/${container}/${prefix}`.replace(/\/$/, "");
  const endpoint = opts.endpoint ? `${opts.endpoint.replace(/\/$/, "")}/${account}` : `https://${account}.blob.core.windows.net`;
  const key = env.AZURE_STORAGE_KEY;
  const sas = env.AZURE_STORAGE_SAS_TOKEN?.replace(/^\?/, "");
  if (!key && !sas)
    throw new UserError(
      `No Azure credentials for ${url}.`,
      "Set AZURE_STORAGE_KEY to the storage account's key, or AZURE_STORAGE_SAS_TOKEN to a SAS token with read, write, list and create on the container.",
    );
  const retryOptions = { maxTries: 3, tryTimeoutInMs: opts.timeoutMs ?? 30_000 };
  const service = key
    ? new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, key), { retryOptions })
    : new BlobServiceClient(`${endpoint}?${sas}`, undefined, { retryOptions });
  const client = service.getContainerClient(container);
  return new BlobStore("azure", url, azureBlobs(client, { url, endpoint }), prefix);
}

/** A failure as the user can act on it, or the error itself. */
function explain(err: unknown, what: string, where: { url: string; endpoint: string }): unknown {
  const e = err as RestError & { code?: string };
  const code = e.code ?? "";
  if (["ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN"].includes(code) || e.name === "AbortError")
    return new UserError(`${where.endpoint} could not be reached (${code || e.message}).`, "Check --endpoint and that the store is running.");
  if (code === "ContainerNotFound")
    return new UserError(`${where.url}: the container does not exist.`, "Create it (az storage container create), or check the name.");
  if (e.statusCode === 403 || code === "AuthenticationFailed" || code === "AuthorizationFailure")
    return new UserError(
      `${where.endpoint} refused ${what} (${code || e.statusCode}).`,
      "Check AZURE_STORAGE_KEY (the account's key) or AZURE_STORAGE_SAS_TOKEN (read, write, list and create on the container).",
    );
  return err;
}

function azureBlobs(client: ContainerClient, where: { url: string; endpoint: string }): Blobs {
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw explain(err, what, where);
    }
  };
  const status = (err: unknown) => (err instanceof RestError ? err.statusCode : undefined);
  const missing = (err: unknown) => status(err) === 404 && (err as RestError).code !== "ContainerNotFound";
  return {
    async *list(prefix: string, max = Infinity): AsyncIterable<Blob> {
      let n = 0;
      const pages = client.listBlobsFlat({ prefix }).byPage({ maxPageSize: Math.min(5000, max) });
      for (;;) {
        const page = await call(`listing ${prefix}`, () => pages.next());
        if (page.done) return;
        for (const b of page.value.segment.blobItems) {
          yield { key: b.name, size: b.properties.contentLength ?? 0, etag: b.properties.etag ?? "" };
          if (++n >= max) return;
        }
      }
    },
    open: (key) =>
      call(`reading ${key}`, async () => {
        try {
          const res = await client.getBlobClient(key).download();
          return { body: res.readableStreamBody as Readable, etag: res.etag ?? "", storedAt: res.lastModified?.toISOString() ?? null };
        } catch (err) {
          if (missing(err)) return null;
          throw err;
        }
      }),
    get: (key) =>
      call(`reading ${key}`, async () => {
        try {
          return await client.getBlobClient(key).downloadToBuffer();
        } catch (err) {
          if (missing(err)) return null;
          throw err;
        }
      }),
    exists: (key) => call(`reading ${key}`, () => client.getBlobClient(key).exists()),
    put: (key, body, opts = {}) =>
      call(`writing ${key}`, async () => {
        try {
          const res = await client.getBlockBlobClient(key).upload(body, body.length, {
            ...(opts.createOnly ? { conditions: { ifNoneMatch: "*" } } : {}),
            ...(opts.sha256 ? { metadata: { stowagesha256: opts.sha256 } } : {}),
          });
          return { etag: res.etag ?? "" };
        } catch (err) {
          // Azure answers a create-once on an existing blob with 409 BlobAlreadyExists (412 where a condition failed).
          if (opts.createOnly && (status(err) === 409 || status(err) === 412)) return "exists" as const;
          throw err;
        }
      }),
    copy: (from, to, etag) =>
      call(`copying ${from}`, async () => {
        try {
          // Within one account a copy needs no SAS on the source; it completes at once for blobs of this size.
          const poller = await client.getBlobClient(to).beginCopyFromURL(client.getBlobClient(from).url, { sourceConditions: { ifMatch: etag } });
          await poller.pollUntilDone();
          return "copied" as const;
        } catch (err) {
          if (status(err) === 412 || missing(err)) return "changed" as const;
          throw err;
        }
      }),
  };
}
