/**
 * Issue #28 through the built command, written once and run on each kind of repository (a folder; a versioned
 * bucket on Ceph RGW): a household's uploads, a two-stage run (and on a bucket, grants) → an evidence bundle whose
 * JSON lists exactly those versions, runs and grants; `evidence check` passes; one byte changed in the bundle, a new
 * version or a delete put behind Stowage's back, are each caught by `evidence check --repo` and `data verify`,
 * naming the file.
 */
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createHash, generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { expect, it } from "vitest";
import { packageRoot } from "../../core/paths.js";
import { stowage, type Place } from "./dataSuite.js";
import { objectAt } from "./rgw.js";

/** Grants are checked against prod's households (uploads/<uploader>/<household>/). */
export const PROD = ["--stack", "prod", "--stack-dir", packageRoot()];

export interface EvidencePlace extends Place {
  /** The images' repository and where one household file lives inside it. */
  images(): { repo: string; at: (household: string, file: string) => string };
  /** Makes a grant on the household's prefix (a bucket only); returns the grant id. */
  grant?(prefix: string, reason: string): Promise<string>;
  /** A delete as an uploader would do it (a delete marker on a bucket). */
  remove(repo: string, path: string): Promise<void>;
}

/**
 * An evidence place on a versioned bucket of a real S3 store (Ceph RGW in the tests): the images under uploads/, the
 * repositories where `repo` puts them, uploads with Content-MD5 (a bucket with default Object Lock retention refuses
 * them without), deletes as delete markers, grants through the built command.
 */
export function bucketEvidencePlace(
  s3: S3Client,
  bucket: string,
  repo: (name: string) => string,
  command: { readonly flags: readonly string[]; readonly env: NodeJS.ProcessEnv },
): EvidencePlace {
  const p: EvidencePlace = {
    repo,
    images: () => ({ repo: `s3://${bucket}/uploads`, at: (household, file) => `${household}/${file}` }),
    ...command,
    guarantee: "first-version-wins",
    async put(repo, path, body) {
      const md5 = createHash("md5").update(body).digest("base64");
      return (await s3.send(new PutObjectCommand({ ...objectAt(repo, path), Body: body, ContentMD5: md5 }))).VersionId!;
    },
    async remove(repo, path) {
      await s3.send(new DeleteObjectCommand(objectAt(repo, path)));
    },
    async versions() {
      return 0;
    },
    async grant(prefix, reason) {
      const g = await stowage(p, ["access", "grant", ...PROD, "--bucket", bucket, "--prefix", prefix, "--urls", "--for", "1h", "--reason", reason, "--json"]);
      expect(g.code, g.stderr).toBe(0);
      return g.json.record.id as string;
    },
  };
  return p;
}

const tmp = (what: string) => mkdtempSync(join(tmpdir(), `stowage-${what}-`));

/** A small, real PNG of one colour: a browser decodes it, and every colour gives other bytes. */
export function png(r: number, g: number, b: number, size = 24): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => [r, g, b]).flat())]);
  const raw = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Stage one: each input's SHA-256 and size at <path>.txt. Stage two: that line's length at <path>.len. */
function stages(): { label: string; count: string } {
  const dir = tmp("evidence-code");
  const label = join(dir, "label.sh");
  writeFileSync(
    label,
    `#!/bin/sh\nset -e\ncd "$STOWAGE_IN"\nfind . -type f | while read -r f; do\n  mkdir -p "$STOWAGE_OUT/$(dirname "$f")"\n  echo "$(sha256sum < "$f" | cut -c1-64) $(wc -c < "$f")" > "$STOWAGE_OUT/$f.txt"\ndone\n`,
  );
  const count = join(dir, "count.sh");
  writeFileSync(
    count,
    `#!/bin/sh\nset -e\ncd "$STOWAGE_IN"\nfind . -type f | while read -r f; do\n  mkdir -p "$STOWAGE_OUT/$(dirname "$f")"\n  wc -c < "$f" > "$STOWAGE_OUT/$f.len"\ndone\n`,
  );
  chmodSync(label, 0o755);
  chmodSync(count, 0o755);
  return { label, count };
}

/** Each command a process start and some store round trips; 30 s each on a busy machine. */
const commands = (n: number) => n * 30_000;

export interface Made {
  readonly place: EvidencePlace;
  readonly bundle: string;
  readonly images: { repo: string; at: (household: string, file: string) => string };
  readonly versions: Record<string, string>;
  readonly json: any;
}

/** The scenario up to a signed bundle; returns it for the page test too. */
export async function makeBundle(place: EvidencePlace): Promise<Made & { runs: string[]; grants: string[]; key: string }> {
  const images = place.images();
  const code = stages();
  const versions: Record<string, string> = {};
  const files: [string, string, Buffer][] = [
    ["cameras/home-42", "cam-1/kitchen.png", png(200, 40, 40)],
    ["cameras/home-42", "cam-1/hall.png", png(40, 160, 40)],
    ["cameras/home-42", "cam-2/roof.png", png(40, 60, 200)],
    ["cameras/home-43", "cam-1/garage.png", png(220, 200, 40)],
  ];
  for (const [household, file, body] of files) versions[images.at(household, file)] = await place.put(images.repo, images.at(household, file), body);
  const commit = await stowage(place, ["data", "commit", images.repo, "-m", "uploads", "--json"]);
  expect(commit.code, commit.stderr).toBe(0);

  const labels = place.repo("labels");
  const counts = place.repo("counts");
  const one = await stowage(place, [
    "run",
    "--in",
    images.repo,
    "--out",
    labels,
    "--glob",
    "/**",
    "--name",
    "label",
    "--code-version",
    "v1",
    "--json",
    "--",
    code.label,
  ]);
  expect(one.code, one.stderr).toBe(0);
  const two = await stowage(place, [
    "run",
    "--in",
    labels,
    "--out",
    counts,
    "--glob",
    "/**",
    "--name",
    "count",
    "--code-version",
    "v1",
    "--json",
    "--",
    code.count,
  ]);
  expect(two.code, two.stderr).toBe(0);

  const grants: string[] = [];
  if (place.grant) {
    grants.push(await place.grant("uploads/cameras/home-42/", "claim 7731"));
    grants.push(await place.grant("uploads/cameras/home-42/cam-1/", "claim 7731, adjuster"));
    await place.grant("uploads/cameras/home-43/", "another household's claim"); // must not appear
  }

  const keyFile = join(tmp("evidence-key"), "claims.pem");
  writeFileSync(keyFile, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }));
  const bundle = join(tmp("evidence-out"), "claim-7731");
  const made = await stowage(place, [
    "evidence",
    "--repo",
    images.repo,
    ...PROD,
    "--household",
    "cameras/home-42",
    "--claim",
    "7731",
    "--outputs",
    labels,
    "--outputs",
    counts,
    "--sign",
    keyFile,
    "--out",
    bundle,
    "--json",
  ]);
  expect(made.code, made.stderr).toBe(0);
  expect(made.json).toMatchObject({ images: 3, runs: 2, outputs: 6, grants: grants.length, fingerprint: expect.stringMatching(/^SHA256:/) });
  const json = JSON.parse(readFileSync(join(bundle, "evidence.json"), "utf8"));
  return { place, bundle, images, versions, json, runs: [one.json.run, two.json.run], grants, key: keyFile };
}

export function evidenceSuite(place: () => Promise<EvidencePlace>): void {
  it(
    "bundles exactly one household's images, its two-stage runs and grants; check passes, then catches each change naming the file",
    { timeout: commands(22) },
    async () => {
      const m = await makeBundle(await place());
      const p = m.place;
      const home42 = Object.keys(m.versions)
        .filter((k) => k.includes("home-42/"))
        .sort();
      // Exactly those versions, runs and grants.
      expect(m.json.schema).toBe("stowage.evidence/1");
      expect(m.json.household).toBe("uploads/cameras/home-42/");
      expect(m.json.claim).toBe("7731");
      expect(m.json.images.map((i: { path: string; versionId: string }) => [i.path, i.versionId])).toEqual(home42.map((k) => [k, m.versions[k]]));
      expect(m.json.runs.map((r: { id: string }) => r.id).sort()).toEqual([...m.runs].sort());
      expect(m.json.runs.map((r: { name: string; datums: string[] }) => [r.name, r.datums.length]).sort()).toEqual([
        ["count", 3],
        ["label", 3],
      ]);
      expect(m.json.outputs.every((o: { path: string }) => o.path.includes("home-42/"))).toBe(true);
      // Every output's facts, as the issue asks (path, versionId, size, SHA-256, time), each against the bytes the
      // stages must have written: label, "<image's SHA-256> <size>\n"; count, the label's length and a newline.
      type Fact = {
        repo: string;
        path: string;
        versionId: string;
        size: number;
        sha256: string;
        uploadedAt: string | null;
        run: string;
        from: { path: string; versionId: string }[];
      };
      const outputs = m.json.outputs as Fact[];
      const hex = (text: string) => createHash("sha256").update(text).digest("hex");
      const images = new Map((m.json.images as { path: string; sha256: string; size: number }[]).map((i) => [i.path, i]));
      const labelled = new Map(outputs.filter((o) => o.path.endsWith(".png.txt")).map((o) => [o.path, o]));
      expect(labelled.size).toBe(3);
      for (const o of outputs) {
        const image = images.get(o.from[0]!.path);
        const label = labelled.get(o.from[0]!.path);
        const body = image ? `${image.sha256} ${image.size}\n` : `${label!.size}\n`;
        expect([o.path, o.size, o.sha256], o.path).toEqual([`${o.from[0]!.path}${image ? ".txt" : ".len"}`, Buffer.byteLength(body), hex(body)]);
        expect(o.versionId, o.path).toMatch(/\S/);
        expect(Date.parse(o.uploadedAt ?? ""), o.path).not.toBeNaN();
        expect(m.runs, o.path).toContain(o.run);
      }
      expect(m.json.grants.map((g: { id: string }) => g.id).sort()).toEqual([...m.grants].sort());
      expect(m.json.signer.fingerprint).toMatch(/^SHA256:/);
      expect(readFileSync(join(m.bundle, "index.html"), "utf8")).toContain(m.json.signer.fingerprint);
      JSON.parse(readFileSync(join(m.bundle, "evidence.schema.json"), "utf8"));

      const check = await stowage(p, ["evidence", "check", m.bundle, "--json"]);
      expect(check.code, check.stdout + check.stderr).toBe(0);
      expect(check.json).toMatchObject({ ok: true, signed: true, fingerprint: m.json.signer.fingerprint });
      const online = await stowage(p, ["evidence", "check", m.bundle, "--repo", m.images.repo, "--json"]);
      expect(online.code, online.stdout + online.stderr).toBe(0);
      expect(online.json.stored).toBe(3 + 6 + 2 + m.grants.length);
      const clean = await stowage(p, ["data", "verify", m.images.repo, "--json"]);
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);
      expect(clean.json).toMatchObject({ ok: true, objects: 4, problems: [] });
      const labels = await stowage(p, ["data", "verify", p.repo("labels"), "--all", "--json"]);
      expect(labels.code, labels.stdout + labels.stderr).toBe(0);
      expect(labels.json).toMatchObject({ ok: true, runs: 1 });

      // One byte of one image in the bundle.
      const copy = join(m.bundle, "images", home42[0]!);
      const original = readFileSync(copy);
      const changed = Buffer.from(original);
      changed[changed.length - 5]! ^= 1;
      writeFileSync(copy, changed);
      const tampered = await stowage(p, ["evidence", "check", m.bundle]);
      expect(tampered.code).toBe(4);
      expect(tampered.stdout).toContain(`bundle-changed\timages/${home42[0]}`);
      writeFileSync(copy, original);
      // The page's claim of a signature, without the signature.
      const sig = readFileSync(join(m.bundle, "signature.json"), "utf8");
      writeFileSync(join(m.bundle, "signature.json"), sig.replace(/"signature": "./, '"signature": "A'));
      const forged = await stowage(p, ["evidence", "check", m.bundle]);
      expect(forged.code).toBe(4);
      expect(forged.stdout).toContain("signature\tsignature.json");
      writeFileSync(join(m.bundle, "signature.json"), sig);
      expect((await stowage(p, ["evidence", "check", m.bundle])).code).toBe(0);

      // Behind Stowage's back: a new version of one image, a delete of another.
      const [replaced, , deleted] = home42;
      await p.put(m.images.repo, replaced!, png(1, 2, 3));
      await p.remove(m.images.repo, deleted!);
      const after = await stowage(p, ["evidence", "check", m.bundle, "--repo", m.images.repo]);
      expect(after.code, after.stderr).toBe(4);
      expect(after.stdout).toMatch(new RegExp(`replaced\\t\\S*${replaced}: the current version is`));
      expect(after.stdout).toMatch(new RegExp(`deleted\\t\\S*${deleted}: `));
      const fsck = await stowage(p, ["data", "verify", m.images.repo]);
      expect(fsck.code, fsck.stderr).toBe(4);
      expect(fsck.stdout).toContain(`replaced\t${replaced} (version ${m.versions[replaced!]})`);
      expect(fsck.stdout).toContain(`deleted\t${deleted} (version ${m.versions[deleted!]})`);
      // The bundle on its own still checks out: it is the stored data that moved.
      expect((await stowage(p, ["evidence", "check", m.bundle])).code).toBe(0);

      // A commit record rewritten by hand no longer hashes to its name.
      const head = (await stowage(p, ["data", "log", m.images.repo, "--limit", "1", "--json"])).json.commits[0].commit as string;
      await p.put(
        m.images.repo,
        `.stowage/commits/${head}.json`,
        Buffer.from(
          `${JSON.stringify({ parent: null, branch: "main", message: "rewritten", author: "x", time: "2026-01-01T00:00:00Z", files: 0, bytes: 0, added: 0, modified: 0, deleted: 0, chunks: [] })}\n`,
        ),
      );
      const forgedCommit = await stowage(p, ["data", "verify", m.images.repo]);
      expect(forgedCommit.code, forgedCommit.stderr).toBe(4);
      expect(forgedCommit.stdout).toContain(`record-changed\t.stowage/commits/${head}.json: its content hashes to`);
    },
  );

  it(
    "refuses a household above one, a range with no uploads, a non-empty --out and a folder that is not a bundle, with exit 2",
    { timeout: commands(7) },
    async () => {
      const p = await place();
      const images = p.images();
      await p.put(images.repo, images.at("cameras/home-42", "a.png"), png(1, 1, 1));
      const above = await stowage(p, ["evidence", "--repo", images.repo, ...PROD, "--household", "uploads/", "--out", tmp("x")]);
      expect(above.code).toBe(2);
      expect(above.stderr).toContain("above one household");
      expect((await stowage(p, ["data", "commit", images.repo])).code).toBe(0);
      const before = await stowage(p, [
        "evidence",
        "--repo",
        images.repo,
        ...PROD,
        "--household",
        "cameras/home-42",
        "--to",
        "2000-01-01",
        "--out",
        join(tmp("x"), "b"),
      ]);
      expect(before.code).toBe(2);
      expect(before.stderr).toContain("in that date range");
      const backwards = await stowage(p, [
        "evidence",
        "--repo",
        images.repo,
        ...PROD,
        "--household",
        "cameras/home-42",
        "--from",
        "2026-02-01",
        "--to",
        "2026-01-01",
        "--out",
        join(tmp("x"), "b"),
      ]);
      expect(backwards.code).toBe(2);
      expect(backwards.stderr).toContain("is after --to");
      const full = tmp("full");
      writeFileSync(join(full, "x"), "");
      const notEmpty = await stowage(p, ["evidence", "--repo", images.repo, ...PROD, "--household", "cameras/home-42", "--out", full]);
      expect(notEmpty.code).toBe(2);
      expect(notEmpty.stderr).toContain("is not empty");
      const notBundle = await stowage(p, ["evidence", "check", full]);
      expect(notBundle.code).toBe(2);
      expect(notBundle.stderr).toContain("not an evidence bundle");
    },
  );
}
