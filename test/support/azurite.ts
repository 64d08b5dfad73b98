/**
 * Azure Blob Storage on loopback for the tests: Azurite's blob service (the `azurite` devDependency), in memory, on a
 * free port. The account is Azurite's well-known development account (its documented key: a test default only).
 */
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { packageRoot } from "../../core/paths.js";

export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface Azurite {
  /** For --endpoint: scheme, host and port (the account goes in the path). */
  readonly endpoint: string;
  readonly service: BlobServiceClient;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Starts azurite-blob and waits until it answers (a few seconds on a loaded machine). */
export async function startAzurite(): Promise<Azurite> {
  const port = await freePort();
  const bin = join(packageRoot(), "node_modules", ".bin", "azurite-blob");
  // --skipApiVersionCheck: @azure/storage-blob 12.31 speaks a newer service version than Azurite 3.35 announces.
  const child: ChildProcess = spawn(
    bin,
    ["--blobHost", "127.0.0.1", "--blobPort", String(port), "--inMemoryPersistence", "--skipApiVersionCheck", "--silent"],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const service = new BlobServiceClient(`${endpoint}/${AZURITE_ACCOUNT}`, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`azurite-blob exited (${child.exitCode}): ${stderr}`);
    try {
      await service.getProperties();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill();
        throw new Error(`azurite-blob did not answer on ${endpoint} within 60 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { endpoint, service, stop: () => void child.kill() };
}

/** The environment for the built command against Azurite: the development account's key. */
export function azuriteCommandEnv(): NodeJS.ProcessEnv {
  return { ...process.env, AZURE_STORAGE_KEY: AZURITE_KEY };
}
