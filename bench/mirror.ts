/**
 * `npm run bench` (mirror part): `stowage data mirror` of a folder repository (BENCH_MIRROR_FILES files, default
 * 1,000, of BENCH_MIRROR_KIB KiB, default 64) into a container on Azurite, beside a plain copy of the same bytes with
 * Azure's client at the same concurrency (BENCH_MIRROR_PARALLEL, default 8): the floor a mirror cannot beat. The
 * mirror reads and hashes each content once, checks whether the destination holds it and stores it content-addressed.
 * Target: at most 1.5× the plain copy. Prints figures only; Azurite comes from the devDependency.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../core/paths.js";
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from "../test/support/azurite.js";
import { pool } from "./pool.js";

const FILES = Number(process.env.BENCH_MIRROR_FILES ?? 1000);
const KIB = Number(process.env.BENCH_MIRROR_KIB ?? 64);
const PARALLEL = Number(process.env.BENCH_MIRROR_PARALLEL ?? 8);
const TARGET = 1.5;

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string; code: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(packageRoot(), "dist", "bundle", "cli.js"), ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.on("close", (code) => resolve({ ms: performance.now() - t0, stdout, code: code ?? 1 }));
  });
}

const azurite = await startAzurite();
try {
  const env = { ...process.env, AZURE_STORAGE_KEY: AZURITE_KEY };
  const src = join(mkdtempSync(join(tmpdir(), "stowage-bench-mirror-")), "repo");
  const paths = Array.from({ length: FILES }, (_, i) => `cam-${i % 50}/frame-${i}.jpg`);
  for (const p of paths) {
    mkdirSync(join(src, p, ".."), { recursive: true });
    writeFileSync(join(src, p), randomBytes(KIB * 1024));
  }
  const commit = await run(["data", "commit", src, "--json"], env);
  if (commit.code !== 0) throw new Error(`commit failed: ${commit.stdout}`);

  await azurite.service.createContainer("plain");
  await azurite.service.createContainer("mirror");
  const plain = azurite.service.getContainerClient("plain");
  const t0 = performance.now();
  await pool(paths, PARALLEL, async (p) => {
    const body = readFileSync(join(src, p));
    await plain.getBlockBlobClient(p).upload(body, body.length);
  });
  const plainMs = performance.now() - t0;

  const mirror = await run(
    ["data", "mirror", src, `azure://${AZURITE_ACCOUNT}/mirror/repo`, "--dest-endpoint", azurite.endpoint, "--parallel", String(PARALLEL), "--json"],
    env,
  );
  if (mirror.code !== 0) throw new Error(`mirror failed: ${mirror.stdout}`);
  const copied = JSON.parse(mirror.stdout).objects.copied as number;
  const again = await run(
    ["data", "mirror", src, `azure://${AZURITE_ACCOUNT}/mirror/repo`, "--dest-endpoint", azurite.endpoint, "--parallel", String(PARALLEL), "--json"],
    env,
  );
  const mib = (FILES * KIB) / 1024;
  const ratio = mirror.ms / plainMs;
  console.log(`mirror: ${FILES} files × ${KIB} KiB (${mib.toFixed(0)} MiB), folder → Azurite, --parallel ${PARALLEL}`);
  console.log(`  plain SDK upload      ${(plainMs / 1000).toFixed(2)} s  ${(mib / (plainMs / 1000)).toFixed(1)} MiB/s`);
  console.log(
    `  stowage data mirror   ${(mirror.ms / 1000).toFixed(2)} s  ${(mib / (mirror.ms / 1000)).toFixed(1)} MiB/s  (${copied} contents copied; includes process start)`,
  );
  console.log(`  ratio ${ratio.toFixed(2)}× (target ≤ ${TARGET}×)${ratio <= TARGET ? "" : "  OVER TARGET"}`);
  console.log(`  re-run with nothing to copy: ${(again.ms / 1000).toFixed(2)} s`);
} finally {
  azurite.stop();
}
