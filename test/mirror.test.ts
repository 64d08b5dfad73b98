/**
 * `stowage data mirror` between content-addressed stores (folders, Azurite), through the built command: the whole
 * history and its provenance arrive unchanged, a re-run copies nothing, and a mirror killed midway is completed by the
 * next one with nothing copied twice and no branch naming what is missing.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { packageRoot } from "../core/paths.js";
import { stowage, type Place } from "./support/dataSuite.js";
import { AZURITE_ACCOUNT, azuriteCommandEnv, startAzurite, type Azurite } from "./support/azurite.js";
import { tree } from "./support/files.js";

const tmp = (what: string) => mkdtempSync(join(tmpdir(), `stowage-${what}-`));
const BIN = join(packageRoot(), "dist", "bundle", "cli.js");

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
}, 90_000);
afterAll(() => azurite?.stop());

/** A labeller: each input's size into <path>.txt. */
function labeller(): string {
  const file = join(tmp("code"), "label.sh");
  writeFileSync(
    file,
    '#!/bin/sh\nset -e\ncd "$STOWAGE_IN"\nfind . -type f | while read -r f; do mkdir -p "$STOWAGE_OUT/$(dirname "$f")"; wc -c < "$f" > "$STOWAGE_OUT/$f.txt"; done\n',
  );
  chmodSync(file, 0o755);
  return file;
}

it("mirrors folder → Azurite → folder: every commit byte-identical, the same ids and the same why", { timeout: 300_000 }, async () => {
  await azurite.service.createContainer("mirror");
  const p = { flags: ["--endpoint", azurite.endpoint], env: azuriteCommandEnv() } as unknown as Place;
  const images = join(tmp("images"), "repo");
  mkdirSync(join(images, "cam-1"), { recursive: true });
  const commits: string[] = [];
  for (let i = 0; i < 3; i++) {
    writeFileSync(join(images, "cam-1", `${i}.jpg`), randomBytes(100 + i));
    writeFileSync(join(images, "top.txt"), `version ${i}\n`);
    const c = await stowage(p, ["data", "commit", images, "-m", `c${i}`, "--json"]);
    expect(c.code, c.stderr).toBe(0);
    commits.push(c.json.commit);
  }
  const labels = join(tmp("labels"), "repo");
  const run = await stowage(p, ["run", "--in", images, "--out", labels, "--json", "--", labeller()]);
  expect(run.code, run.stderr).toBe(0);

  const hops = [labels, `azure://${AZURITE_ACCOUNT}/mirror/labels`, join(tmp("back"), "labels")];
  const imageHops = [images, `azure://${AZURITE_ACCOUNT}/mirror/images`, join(tmp("back"), "images")];
  for (const chain of [imageHops, hops])
    for (let i = 1; i < chain.length; i++) {
      const m = await stowage(p, ["data", "mirror", chain[i - 1]!, chain[i]!, "--json"]);
      expect(m.code, m.stderr).toBe(0);
      expect(m.json.objects.present).toBe(0);
      const again = await stowage(p, ["data", "mirror", chain[i - 1]!, chain[i]!, "--json"]);
      expect(again.json).toMatchObject({ commits: { copied: 0 }, objects: { copied: 0 }, runs: { copied: 0 } });
    }
  for (const repo of imageHops) {
    const log = await stowage(p, ["data", "log", repo, "--json"]);
    expect(log.json.commits.map((c: { commit: string }) => c.commit)).toEqual([...commits].reverse());
    for (const c of commits) {
      const [a, b] = [join(tmp("co"), "a"), join(tmp("co"), "b")];
      await stowage(p, ["data", "checkout", images, c, "--to", a]);
      const co = await stowage(p, ["data", "checkout", repo, c, "--to", b]);
      expect(co.code, co.stderr).toBe(0);
      expect(tree(b)).toEqual(tree(a));
    }
  }
  const whys = await Promise.all(hops.map((repo) => stowage(p, ["data", "why", repo, "cam-1/2.jpg.txt", "--json"])));
  for (const w of whys) expect(w.code, w.stderr).toBe(0);
  for (const w of whys.slice(1)) expect(w.json).toEqual(whys[0]!.json);
  expect(whys[0]!.json.run.id).toBe(run.json.run);
});

it("completes a mirror killed midway with nothing copied twice, and no branch names missing data", { timeout: 300_000 }, async () => {
  const p = { flags: [], env: process.env } as unknown as Place;
  const src = join(tmp("big"), "repo");
  const files = 300;
  for (let i = 0; i < files; i++) {
    mkdirSync(join(src, `d${i % 10}`), { recursive: true });
    writeFileSync(join(src, `d${i % 10}`, `${i}.bin`), randomBytes(20_000));
  }
  expect((await stowage(p, ["data", "commit", src, "--json"])).code).toBe(0);
  const dst = join(tmp("dst"), "repo");
  const objects = () => {
    const dir = join(dst, ".stowage", "objects");
    return existsSync(dir) ? readdirSync(dir).reduce((n, sub) => n + readdirSync(join(dir, sub)).length, 0) : 0;
  };
  const child = spawn(process.execPath, [BIN, "data", "mirror", src, dst, "--parallel", "1"], { stdio: "ignore" });
  const exited = new Promise((r) => child.on("exit", r));
  while (objects() < 30 && child.exitCode === null) await new Promise((r) => setTimeout(r, 10));
  child.kill("SIGKILL");
  await exited;
  const before = objects();
  expect(before).toBeGreaterThan(0);
  expect(before).toBeLessThan(files); // killed midway
  const noBranch = await stowage(p, ["data", "log", dst]);
  expect(noBranch.code).toBe(2); // the branch waits for everything it names
  expect(noBranch.stderr).toContain("no branch main");

  const rerun = await stowage(p, ["data", "mirror", src, dst, "--json"]);
  expect(rerun.code, rerun.stderr).toBe(0);
  expect(rerun.json.objects).toMatchObject({ present: before, copied: files - before });
  const verify = await stowage(p, ["data", "verify", dst, "--json"]);
  expect(verify.json.problems.filter((x: { kind: string }) => x.kind !== "replaced" && x.kind !== "deleted")).toEqual([]);
  expect(verify.json.objects).toBe(files);
});
