/**
 * A repository on a bucket that keeps no versions (Ceph RGW with versioning never enabled: what Cloudflare R2 is),
 * through the built command: the same suite as on a versioned bucket and a folder, used content-addressed. And
 * `stowage data mirror` across every kind of store: versioned bucket → folder → Azurite → unversioned bucket → back.
 */
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type Azurite } from "./support/azurite.js";
import { dataLayerSuite, stowage, type Place } from "./support/dataSuite.js";
import { describeRgw, objectAt, versionedBucket } from "./support/rgw.js";
import { tree } from "./support/files.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describeRgw("repositories on an unversioned bucket (Ceph RGW)", ({ s3, env, flags }) => {
  let cases = 0;
  let azurite: Azurite | undefined;
  afterAll(() => azurite?.stop());

  const unversioned = async (): Promise<Place> => {
    const bucket = `flat-${++cases}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket })); // versioning never enabled
    return {
      repo: (name) => `s3://${bucket}/${name}`,
      flags,
      env,
      guarantee: "conditional-write",
      mode: "content-addressed",
      async put(repo, path, body) {
        await s3.send(new PutObjectCommand({ ...objectAt(repo, path), Body: body }));
        return sha(body); // the version a commit pins: the content address
      },
      async remove(repo, path) {
        await s3.send(new DeleteObjectCommand(objectAt(repo, path)));
      },
      async versions(repo, path) {
        return await s3.send(new HeadObjectCommand(objectAt(repo, path))).then(
          () => 1,
          () => 0,
        );
      },
    };
  };
  dataLayerSuite(unversioned);

  it("keeps each content once under .stowage/objects and remembers the mode it probed", { timeout: 120_000 }, async () => {
    const p = await unversioned();
    const repo = p.repo("kept");
    const body = Buffer.from("same bytes\n");
    await p.put(repo, "a.txt", body);
    await p.put(repo, "b.txt", body);
    const c = await stowage(p, ["data", "commit", repo, "--json"]);
    expect(c.json).toMatchObject({ mode: "content-addressed", guarantee: "conditional-write", files: 2 });
    const { Bucket, Key } = objectAt(repo, `.stowage/objects/${sha(body).slice(0, 2)}/${sha(body)}`);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key }))).ContentLength).toBe(body.length);
    const caps = JSON.parse(
      Buffer.from(await (await s3.send(new GetObjectCommand(objectAt(repo, ".stowage/capabilities.json")))).Body!.transformToByteArray()).toString(),
    );
    expect(caps).toMatchObject({ guarantee: "conditional-write", mode: "content-addressed" });
  });

  it("mirrors versioned bucket → folder → Azurite → unversioned bucket → versioned bucket, history and provenance intact", { timeout: 900_000 }, async () => {
    azurite = await startAzurite();
    await azurite.service.createContainer("hop");
    for (const Bucket of ["hop-versioned", "hop-back"]) await versionedBucket(s3, Bucket);
    await s3.send(new CreateBucketCommand({ Bucket: "hop-flat" }));
    const p = { flags: [], env: { ...env, AZURE_STORAGE_KEY: AZURITE_KEY } } as unknown as Place;
    const at: Record<string, string[]> = { s3: [...flags], azure: ["--endpoint", azurite.endpoint], local: [] };
    at.local = at.s3!; // a folder needs no flags; its runs' upstream repositories are on the bucket
    const kind = (repo: string) => (repo.startsWith("s3://") ? "s3" : repo.startsWith("azure://") ? "azure" : "local");
    const dest = (repo: string) => at[kind(repo)]!.map((f) => (f === "--endpoint" ? "--dest-endpoint" : f === "--region" ? "--dest-region" : f));

    // A two-stage pipeline: images (a folder) → labels and then sizes, both on the versioned bucket; labels gets two commits.
    const images = join(tmp("images"), "repo");
    mkdirSync(images, { recursive: true });
    const label = join(tmp("code"), "label.sh");
    writeFileSync(
      label,
      '#!/bin/sh\nset -e\ncd "$STOWAGE_IN"\nfind . -type f | while read -r f; do mkdir -p "$STOWAGE_OUT/$(dirname "$f")"; sha256sum < "$f" > "$STOWAGE_OUT/$f.txt"; done\n',
    );
    chmodSync(label, 0o755);
    const labels = "s3://hop-versioned/labels";
    const sizes = "s3://hop-versioned/sizes";
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) {
        mkdirSync(join(images, `cam-${i}`), { recursive: true });
        writeFileSync(join(images, `cam-${i}`, `${round}.jpg`), randomBytes(200 + i));
      }
      const r = await stowage(p, ["run", "--in", images, "--out", labels, "--code-version", "v1", "--json", ...at.s3!, "--", label]);
      expect(r.code, r.stderr).toBe(0);
    }
    const second = await stowage(p, ["run", "--in", labels, "--out", sizes, "--glob", "/*/*", "--json", ...at.s3!, "--", label]);
    expect(second.code, second.stderr).toBe(0);

    const chain = (name: string) => [
      `s3://hop-versioned/${name}`,
      join(tmp("hop"), name),
      `azure://${AZURITE_ACCOUNT}/hop/${name}`,
      `s3://hop-flat/${name}`,
      `s3://hop-back/${name}`,
    ];
    /** A why without the fields that name a store's own version of the output. */
    const whyOf = async (repo: string, path: string) => {
      const w = await stowage(p, ["data", "why", repo, path, "--json", ...at[kind(repo)]!]);
      expect(w.code, `${repo}: ${w.stderr}`).toBe(0);
      return { ...w.json, versionId: undefined };
    };
    for (const name of ["labels", "sizes"]) {
      const hops = chain(name);
      const logs: { commit: string; message: string }[][] = [];
      for (let i = 0; i < hops.length; i++) {
        if (i > 0) {
          const m = await stowage(p, ["data", "mirror", hops[i - 1]!, hops[i]!, "--json", ...at[kind(hops[i - 1]!)]!, ...dest(hops[i]!)]);
          expect(m.code, m.stderr).toBe(0);
          const again = await stowage(p, ["data", "mirror", hops[i - 1]!, hops[i]!, "--json", ...at[kind(hops[i - 1]!)]!, ...dest(hops[i]!)]);
          expect(again.json).toMatchObject({ commits: { copied: 0 }, objects: { copied: 0 }, runs: { copied: 0 } });
        }
        const log = await stowage(p, ["data", "log", hops[i]!, "--json", ...at[kind(hops[i]!)]!]);
        logs.push(log.json.commits);
        expect(log.json.commits.map((c: { message: string }) => c.message)).toEqual(logs[0]!.map((c) => c.message));
        // Every commit checks out to the same bytes as its original.
        for (let c = 0; c < logs[0]!.length; c++) {
          const [a, b] = [join(tmp("co"), "a"), join(tmp("co"), "b")];
          await stowage(p, ["data", "checkout", hops[0]!, logs[0]![c]!.commit, "--to", a, ...at.s3!]);
          const co = await stowage(p, ["data", "checkout", hops[i]!, log.json.commits[c].commit, "--to", b, ...at[kind(hops[i]!)]!]);
          expect(co.code, co.stderr).toBe(0);
          expect(tree(b)).toEqual(tree(a));
        }
        // The same provenance, wherever the upstream repository can be reached with this hop's flags (sizes' upstream,
        // labels, stays on the bucket: from Azurite's hop --endpoint names Azurite, so it is asked from the others).
        const path = name === "labels" ? "cam-2/1.jpg.txt" : "cam-2/1.jpg.txt.txt";
        if (name === "labels" || kind(hops[i]!) !== "azure") expect(await whyOf(hops[i]!, path)).toEqual(await whyOf(hops[0]!, path));
      }
      // Ids are kept between content-addressed stores, and translated where versions are the store's own.
      expect(logs[2]!.map((c) => c.commit)).toEqual(logs[1]!.map((c) => c.commit));
      expect(logs[3]!.map((c) => c.commit)).toEqual(logs[1]!.map((c) => c.commit));
      expect(logs[1]![0]!.commit).not.toBe(logs[0]![0]!.commit);
    }

    // One store in, another out: the same second stage, reading the bucket and writing Azurite, gives sizes' bytes.
    const across = `azure://${AZURITE_ACCOUNT}/hop/sizes-across`;
    const run = await stowage(p, [
      "run",
      "--in",
      labels,
      "--out",
      across,
      "--glob",
      "/*/*",
      "--json",
      ...at.s3!,
      "--out-endpoint",
      azurite.endpoint,
      "--",
      label,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const [a, b] = [join(tmp("across"), "a"), join(tmp("across"), "b")];
    expect((await stowage(p, ["data", "checkout", sizes, "main", "--to", a, ...at.s3!])).code).toBe(0);
    const co = await stowage(p, ["data", "checkout", across, "main", "--to", b, ...at.azure!]);
    expect(co.code, co.stderr).toBe(0);
    expect(tree(b)).toEqual(tree(a));
  });
});

const tmp = (what: string) => mkdtempSync(join(tmpdir(), `stowage-${what}-`));
