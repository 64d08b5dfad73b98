/** The data layer on a laptop folder, through the built command (the same suite runs on Ceph RGW). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { dataLayerSuite, folderPlace } from "./support/dataSuite.js";

describe("stowage data and stowage run on a local folder", () => {
  const root = mkdtempSync(join(tmpdir(), "stowage-data-local-"));
  dataLayerSuite(() => folderPlace(mkdtempSync(join(root, "case-"))));
});

describe("a local repository's ref entries", () => {
  it("are created by exactly one of many concurrent writers", async () => {
    const { openLocal } = await import("../datalayer/localStore.js");
    const dir = mkdtempSync(join(tmpdir(), "stowage-race-"));
    const stores = await Promise.all(Array.from({ length: 8 }, () => openLocal(dir, false)));
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all(stores.map((s, i) => s.createMeta(`refs/main/${round}.json`, Buffer.from(`writer ${i}`))));
      expect(results.filter((r) => r === "created")).toHaveLength(1);
      expect((await stores[0]!.readFirst(`refs/main/${round}.json`))!.toString()).toBe(`writer ${results.indexOf("created")}`);
    }
  });
});

describe("stowage access grant without a reachable STS", () => {
  it("grants nothing and records nothing", async () => {
    const { execFile } = await import("node:child_process");
    const audit = mkdtempSync(join(tmpdir(), "stowage-audit-"));
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: "x",
      AWS_SECRET_ACCESS_KEY: "y",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1",
    };
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [
          "dist/bundle/cli.js",
          "access",
          "grant",
          "--stack",
          "prod",
          "--bucket",
          "images",
          "--prefix",
          "uploads/cameras/home-42/",
          "--to",
          "arn:aws:iam::123456789012:role/team-claims-role",
          "--for",
          "1h",
          "--reason",
          "claim 7731",
          "--audit",
          audit,
        ],
        { env },
        (err, _out, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("STS could not be reached (ECONNREFUSED)");
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(audit)).toEqual([]);
  });
});

describe("a folder made to hold its head commit (LocalStore.settle)", () => {
  it("walks the head and the touched paths side by side in path order: restores, removes, a path named twice once", async () => {
    const { openLocal } = await import("../datalayer/localStore.js");
    const { commitRepo } = await import("../datalayer/data.js");
    const { readCommit, readHead, rows } = await import("../datalayer/manifest.js");
    const { readFileSync, existsSync } = await import("node:fs");
    const dir = mkdtempSync(join(tmpdir(), "stowage-settle-"));
    const write = (path: string, body: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), body);
    };
    write("a.txt", "aaa");
    write("c/d.txt", "ddd");
    const store = await openLocal(dir, false);
    await commitRepo(store, { branch: "main", message: "head" });
    const head = await readCommit(store, (await readHead(store, "main"))!.commit);
    // Since then: a.txt cut short, c/d.txt gone, three files the head does not hold.
    write("a.txt", "a");
    rmSync(join(dir, "c/d.txt"));
    for (const p of ["b.txt", "c/e.txt", "z/y.txt"]) write(p, p);
    async function* touched() {
      for (const path of ["a.txt", "b.txt", "b.txt", "c/e.txt", "gone.txt", "z/y.txt"]) yield { path };
    }
    expect(await store.settle!(rows(store, head), touched())).toEqual({ removed: 3, restored: 2 });
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("aaa");
    expect(readFileSync(join(dir, "c/d.txt"), "utf8")).toBe("ddd");
    for (const p of ["b.txt", "c/e.txt", "z/y.txt", "z"]) expect(existsSync(join(dir, p)), p).toBe(false);
  });
});
