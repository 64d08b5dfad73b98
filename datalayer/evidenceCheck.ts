/**
 * `stowage evidence check`: a bundle verified on its own (every file against manifest.json, evidence.json against its
 * schema, the signature over the manifest) and, with the repository, everything it names still stored unchanged:
 * each image's version and bytes and still the current one, each output, each run record and grant as hashed.
 * Only what the bundle names is read: the requests grow with the bundle, not with the repository.
 */
import { createPublicKey, verify as edVerify } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { UserError } from "../core/errors.js";
import { readGrant } from "./access.js";
import { safeJoin } from "./data.js";
import type { DiscrepancyKind } from "./fsck.js";
import { filesIn, fingerprintOf, hashFile } from "./evidence.js";
import { EVIDENCE_SCHEMA, Evidence, Manifest, Signature } from "./evidenceSchema.js";
import { canonical, comparePaths, sha256, type Store } from "./store.js";
import { readRun, type Opener } from "./why.js";

export interface BundleProblem {
  readonly kind:
    | "bundle-missing"
    | "bundle-changed"
    | "bundle-extra"
    | "bundle-invalid"
    | "signature"
    /** With --repo: what the bundle names, checked as `data verify` checks a commit (fsck.ts says what each means). */
    | Exclude<DiscrepancyKind, "retention-lapsed">;
  /** A bundle file, or a stored path / record. */
  readonly path: string;
  readonly detail: string;
}

export interface CheckResult {
  readonly bundle: string;
  readonly files: number;
  readonly signed: boolean;
  readonly fingerprint: string | null;
  /** With --repo: objects and records compared with the store. */
  readonly stored: number;
  readonly problems: readonly BundleProblem[];
  readonly ok: boolean;
}

export async function checkEvidence(dir: string, opts: { repo?: Store; open?: Opener } = {}): Promise<CheckResult> {
  const bundle = resolve(dir);
  const problems: BundleProblem[] = [];
  const report = (p: BundleProblem): void => void problems.push(p);
  const readText = async (name: string) =>
    readFile(join(bundle, name), "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return null;
      throw err;
    });
  const manifestText = await readText("manifest.json");
  if (manifestText === null) {
    const what = (await stat(bundle).catch(() => null))?.isDirectory() ? "has no manifest.json" : "is not a folder";
    throw new UserError(`${dir} ${what}: it is not an evidence bundle.`, "Give the folder `stowage evidence --out DIR` wrote.");
  }
  const parsedManifest = Manifest.safeParse(safeJson(manifestText));
  if (!parsedManifest.success)
    throw new UserError(
      `${dir}/manifest.json is not a bundle manifest (${parsedManifest.error.issues[0]?.message}).`,
      "The bundle was changed or is not one; ask its sender for the original.",
    );
  const manifest = parsedManifest.data;

  // Every file the manifest lists, with its hash; and no file it does not list.
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  for (const f of manifest.files) {
    const got = await hashFile(safeJoin(bundle, f.path)).catch(() => null);
    if (!got) report({ kind: "bundle-missing", path: f.path, detail: "listed in manifest.json, not in the bundle" });
    else if (got.sha256 !== f.sha256 || got.size !== f.size)
      report({ kind: "bundle-changed", path: f.path, detail: `SHA-256 ${got.sha256} (${got.size} bytes); manifest.json says ${f.sha256} (${f.size} bytes)` });
  }
  for (const path of await filesIn(bundle)) if (!listed.has(path)) report({ kind: "bundle-extra", path, detail: "in the bundle, not in manifest.json" });

  // The facts: valid against the schema, and the copies are the versions they describe.
  const parsed = Evidence.safeParse(safeJson((await readText("evidence.json")) ?? ""));
  const evidence = parsed.success ? parsed.data : null;
  if (!evidence)
    report({
      kind: "bundle-invalid",
      path: "evidence.json",
      detail: parsed.success
        ? ""
        : `not valid ${EVIDENCE_SCHEMA}: ${parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join(".")}: ${i.message}`)
            .join("; ")}`,
    });
  for (const image of evidence?.images ?? []) {
    const f = listed.get(image.file);
    if (!f) report({ kind: "bundle-missing", path: image.file, detail: `evidence.json lists ${image.path}; manifest.json has no such file` });
    else if (f.sha256 !== image.sha256)
      report({
        kind: "bundle-changed",
        path: image.file,
        detail: `manifest.json says ${f.sha256}; evidence.json says version ${image.versionId} has ${image.sha256}`,
      });
  }

  // The signature over manifest.json, when present (or promised by evidence.json).
  const signatureText = await readText("signature.json");
  let signed = false;
  if (signatureText !== null) {
    const sig = Signature.safeParse(safeJson(signatureText));
    if (!sig.success) report({ kind: "signature", path: "signature.json", detail: "not a signature file" });
    else {
      let good: boolean;
      try {
        const pub = createPublicKey(sig.data.publicKey);
        good = edVerify(null, Buffer.from(manifestText), pub, Buffer.from(sig.data.signature, "base64")) && fingerprintOf(pub) === sig.data.fingerprint;
      } catch {
        good = false;
      }
      if (!good) report({ kind: "signature", path: "signature.json", detail: "the signature does not verify manifest.json with the public key it names" });
      else if (evidence && evidence.signer?.fingerprint !== sig.data.fingerprint)
        report({
          kind: "signature",
          path: "signature.json",
          detail: `signed by ${sig.data.fingerprint}; evidence.json names ${evidence.signer?.fingerprint ?? "no signer"}`,
        });
      signed = good;
    }
  } else if (evidence?.signer)
    report({
      kind: "signature",
      path: "signature.json",
      detail: `evidence.json says the bundle is signed by ${evidence.signer.fingerprint}; signature.json is missing`,
    });

  // With the repository: everything named is still stored, unchanged.
  let stored = 0;
  if (opts.repo && evidence) stored = await checkStored(evidence, opts.repo, opts.open, report);

  problems.sort((a, b) => comparePaths(a.path, b.path));
  return {
    bundle,
    files: manifest.files.length,
    signed,
    fingerprint: signed ? (evidence?.signer?.fingerprint ?? null) : null,
    stored,
    problems,
    ok: problems.length === 0,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function checkStored(evidence: Evidence, repo: Store, open: Opener | undefined, report: (p: BundleProblem) => void): Promise<number> {
  let stored = 0;
  /** One version the bundle names (an image or an output) in the repository at `url`: still stored, with the bytes it hashed. */
  const sameVersion = async (store: Store, url: string, named: { path: string; versionId: string; sha256: string; size: number }) => {
    stored++;
    const path = `${url}/${named.path}`;
    const got = await store.inspect(named.path, named.versionId);
    if (!got) report({ kind: "missing", path, detail: `version ${named.versionId} is no longer stored` });
    else if (got.sha256 !== named.sha256 || got.size !== named.size)
      report({
        kind: "changed",
        path,
        detail: `version ${named.versionId} now has SHA-256 ${got.sha256} (${got.size} bytes); the bundle says ${named.sha256}`,
      });
  };
  // Each image: its version still stored with the same bytes, and still the current version (no newer upload, no
  // delete marker put over it since). Only what the bundle names is read, one path at a time: the requests grow with
  // the bundle, not with the repository.
  const images = [...evidence.images].sort((a, b) => comparePaths(a.path, b.path));
  for (const image of images) {
    await sameVersion(repo, repo.url, image);
    const path = `${repo.url}/${image.path}`;
    const now = await repo.currentVersion(image.path);
    if (now === null)
      report({ kind: "deleted", path, detail: `the store has no current version (deleted, or a delete marker); the bundle names ${image.versionId}` });
    else if (now !== image.versionId) report({ kind: "replaced", path, detail: `the current version is ${now}; the bundle names ${image.versionId}` });
  }

  // Outputs and run records, in the repositories the bundle names; grants in its audit repository.
  const stores = new Map<string, Store>([[repo.url, repo]]);
  const storeOf = async (url: string): Promise<Store | null> => {
    if (!stores.has(url)) {
      if (!open) return null;
      stores.set(url, await open(url));
    }
    return stores.get(url)!;
  };
  try {
    for (const output of evidence.outputs) {
      const store = await storeOf(output.repo);
      if (store) await sameVersion(store, output.repo, output);
    }
    for (const run of evidence.runs) {
      const store = await storeOf(run.output.repo);
      if (!store) continue;
      stored++;
      const record = await readRun(store, run.id).catch(() => null);
      const path = `${run.output.repo}/.stowage/runs/${run.id}.json`;
      if (!record) report({ kind: "record-missing", path, detail: `the record of run ${run.id} is not stored` });
      else if (sha256(canonical(record)) !== run.recordSha256)
        report({ kind: "record-changed", path, detail: "the stored run record is not the one the bundle hashed" });
    }
    if (evidence.audit && evidence.grants.length) {
      const audit = await storeOf(evidence.audit);
      if (audit) {
        for (const g of evidence.grants) {
          stored++;
          const record = await readGrant(audit, g.id);
          const path = `${evidence.audit}/.stowage/grants/${g.id}.json`;
          if (!record) report({ kind: "record-missing", path, detail: `grant ${g.id} is no longer in the audit log` });
          else if (sha256(canonical(record)) !== g.recordSha256)
            report({ kind: "record-changed", path, detail: "the stored grant is not the one the bundle hashed" });
        }
      }
    }
  } finally {
    for (const [url, store] of stores) if (url !== repo.url) store.close();
  }
  return stored;
}
