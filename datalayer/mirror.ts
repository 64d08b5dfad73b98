/**
 * `stowage data mirror SRC DST`: a repository with its whole history copied to another store — every commit reachable
 * from its branches, the contents each pins (each read once and checked against its SHA-256), the manifests, run and
 * datum records — in an order that keeps the destination whole at every moment: a commit's contents and chunks
 * before its record, every commit before the runs that name it, and the branches last, so a mirror stopped at any
 * point leaves no branch naming what is not there. A re-run (resumable, incremental) copies only what is missing.
 *
 * Where both stores name contents the same way (content addresses: folders, unversioned buckets, Azure) rows,
 * chunks and commit ids stay as they are. Where the destination keeps its own versions (a versioned bucket) or the
 * source did, each row gets the destination's version; the commit, whose id hashes its manifest, gets a new id, and
 * `.stowage/mirrored/<source commit>.json` records which, so a re-run finds it and run records are translated to it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../core/errors.js";
import { eachParallel, type Progress } from "./data.js";
import { ManifestWriter, appendHead, commitId, metaJson, readCommit, readHead, rows, type Commit, type CommitBody } from "./manifest.js";
import type { DatumRecord, FileRef, RunRecord } from "./run.js";
import type { Row, Store } from "./store.js";

export interface MirrorResult {
  readonly from: string;
  readonly to: string;
  readonly branches: Record<string, string>;
  readonly commits: { readonly total: number; readonly copied: number };
  /** Contents: copied now, or found already in the destination. */
  readonly objects: { readonly copied: number; readonly present: number; readonly bytes: number };
  readonly runs: { readonly total: number; readonly copied: number };
  readonly datumRecords: { readonly copied: number };
}

const key = (path: string, version: string) => `${path}\n${version}`;

export async function mirrorRepo(src: Store, dst: Store, opts: { parallel?: number; progress?: Progress } = {}): Promise<MirrorResult> {
  if (src.url === dst.url) throw new UserError(`${src.url} is both the source and the destination.`, "Give another repository to mirror into.");
  const progress = opts.progress ?? (() => {});
  const parallel = opts.parallel ?? 8;
  const [srcMode, dstMode] = await Promise.all([src.mode(), dst.mode(), dst.guarantee()]);
  /** Rows keep their versions only between two content-addressed stores. */
  const same = srcMode === "content-addressed" && dstMode === "content-addressed";

  // The branches and every commit they reach, oldest first (a parent before its children).
  const branches = new Map<string, string>();
  for (const k of await src.listMeta("refs/")) {
    const branch = k.split("/")[1]!;
    if (branches.has(branch)) continue;
    const head = await readHead(src, branch);
    if (head) branches.set(branch, head.commit);
  }
  const order: Commit[] = [];
  const seen = new Set<string>();
  for (const head of branches.values()) {
    const chain: Commit[] = [];
    for (let id: string | null = head; id && !seen.has(id);) {
      const c = await readCommit(src, id);
      seen.add(id);
      chain.push(c);
      id = c.parent;
    }
    order.push(...chain.reverse());
  }

  /** Source commit id → destination commit id, and (path, source version) → destination row. */
  const commitMap = new Map<string, string>();
  const rowMap = new Map<string, Row>();
  // What a content-addressed destination keeps, from one listing: a content there is neither read nor sent again.
  const kept = new Set<string>();
  if (dstMode === "content-addressed" && dst.contents) for await (const sha of dst.contents()) kept.add(sha);
  const tmp = await mkdtemp(join(tmpdir(), "stowage-mirror-"));
  const counts = { commitsCopied: 0, copied: 0, present: 0, bytes: 0, runs: 0, runsCopied: 0, datums: 0 };
  try {
    for (const commit of order) {
      const done = await mirroredAs(dst, commit.id);
      if (done) {
        commitMap.set(commit.id, done);
        if (!same) await learnRows(src, dst, commit, done, rowMap);
        continue;
      }
      // Copy each content the commit pins that the destination does not hold yet.
      const rowsOut: Row[] = [];
      let n = 0;
      await eachParallel(rows(src, commit), parallel, async (row) => {
        const index = n++;
        rowsOut[index] = await copyRow(src, dst, row, { same, kept, rowMap, tmp, counts });
        progress("objects", counts.copied + counts.present);
      });
      const writer = new ManifestWriter(dst);
      for (const row of rowsOut) await writer.add(row);
      const chunks = await writer.finish();
      const body: CommitBody = { ...stripId(commit), parent: commit.parent ? commitMap.get(commit.parent)! : null, chunks };
      const id = commitId(body);
      await dst.createMeta(`commits/${id}.json`, Buffer.from(`${JSON.stringify(body)}\n`));
      if (id !== commit.id) await dst.createMeta(`mirrored/${commit.id}.json`, Buffer.from(`${JSON.stringify({ commit: id, from: src.url })}\n`));
      commitMap.set(commit.id, id);
      counts.commitsCopied++;
      progress("commits", counts.commitsCopied);
    }

    // Run records, then datum records, translated to the destination's commits and versions.
    const translateRef = (f: FileRef, local: boolean): FileRef => {
      if (!local) return f;
      const to = rowMap.get(key(f.path, f.versionId));
      return to ? { ...f, versionId: to.version } : f;
    };
    const translateDatum = (d: DatumRecord, inputLocal: boolean): DatumRecord => ({
      ...d,
      inputs: d.inputs.map((f) => translateRef(f, inputLocal)),
      outputs: d.outputs.map((f) => translateRef(f, true)),
    });
    const runInputLocal = new Map<string, boolean>();
    for (const k of await src.listMeta("runs/")) {
      counts.runs++;
      const body = await src.readFirst(k);
      if (!body) continue;
      const run = metaJson<RunRecord>(src, k, body.toString("utf8"));
      const inputLocal = run.input.repo === src.url;
      runInputLocal.set(run.run, inputLocal);
      if (await dst.readFirst(k)) continue;
      const out: RunRecord = {
        ...run,
        input: inputLocal ? { repo: dst.url, commit: commitMap.get(run.input.commit) ?? run.input.commit } : run.input,
        output: {
          ...run.output,
          repo: run.output.repo === src.url ? dst.url : run.output.repo,
          commit: run.output.commit && (commitMap.get(run.output.commit) ?? run.output.commit),
        },
        ...(run.datums ? { datums: run.datums.map((d) => translateDatum(d, inputLocal)) } : {}),
      };
      await dst.createMeta(k, Buffer.from(`${JSON.stringify(out)}\n`));
      counts.runsCopied++;
    }
    // A large run's record names batches in both folders (see RunRecord.datumBatches); they keep their names.
    for (const k of [...(await src.listMeta("datums/")), ...(await src.listMeta("rundatums/"))]) {
      if (await dst.readMeta(k)) continue;
      const body = await src.readMeta(k);
      if (!body) continue;
      const lines = body
        .toString("utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const d = metaJson<DatumRecord>(src, k, line);
          return `${JSON.stringify(translateDatum(d, runInputLocal.get(d.run) ?? false))}\n`;
        });
      await dst.createMeta(k, Buffer.from(lines.join("")));
      counts.datums++;
    }

    // The branches last: each names only what is now complete in the destination.
    const heads: Record<string, string> = {};
    for (const [branch, head] of branches) {
      const to = commitMap.get(head)!;
      heads[branch] = to;
      const now = await readHead(dst, branch);
      if (now?.commit !== to) await appendHead(dst, branch, to, now);
    }
    // A folder shows main's files, as after a commit or a run (from the kept contents: nothing is read from SRC).
    if (dst.settle && heads.main) await dst.settle(rows(dst, await readCommit(dst, heads.main)), []);
    return {
      from: src.url,
      to: dst.url,
      branches: heads,
      commits: { total: order.length, copied: counts.commitsCopied },
      objects: { copied: counts.copied, present: counts.present, bytes: counts.bytes },
      runs: { total: counts.runs, copied: counts.runsCopied },
      datumRecords: { copied: counts.datums },
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function stripId(c: Commit): CommitBody {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the id is recomputed from the new body
  const { id, ...body } = c;
  return body;
}

/** The destination's id for a source commit already mirrored, or null. */
async function mirroredAs(dst: Store, id: string): Promise<string | null> {
  const mapped = await dst.readMeta(`mirrored/${id}.json`);
  if (mapped) return metaJson<{ commit: string }>(dst, `mirrored/${id}.json`, mapped.toString("utf8")).commit;
  return (await dst.readMeta(`commits/${id}.json`)) ? id : null;
}

/** A commit mirrored by an earlier run: its rows' destination versions, for the commits and runs still to come. */
async function learnRows(src: Store, dst: Store, commit: Commit, to: string, rowMap: Map<string, Row>): Promise<void> {
  const theirs = rows(dst, await readCommit(dst, to));
  for await (const row of rows(src, commit)) {
    const next = await theirs.next();
    if (!next.done) rowMap.set(key(row.path, row.version), next.value);
  }
}

/** One row: its content read once from the source and checked, then stored unless the destination keeps it. */
async function copyRow(
  src: Store,
  dst: Store,
  row: Row,
  o: {
    same: boolean;
    kept: Set<string>;
    rowMap: Map<string, Row>;
    tmp: string;
    counts: { copied: number; present: number; bytes: number };
  },
): Promise<Row> {
  const known = o.rowMap.get(key(row.path, row.version));
  if (known) return known;
  // Between content-addressed stores the version is the SHA-256: a content the destination keeps is not read again.
  if (o.same && o.kept.has(row.version)) {
    o.counts.present++;
    o.rowMap.set(key(row.path, row.version), row);
    return row;
  }
  const file = join(o.tmp, `${Math.random().toString(36).slice(2)}`);
  try {
    const got = await src.fetch(row.path, row.version, file);
    const expected = row.sha256 ?? (o.same ? row.version : null);
    if (expected && got.sha256 !== expected)
      throw new UserError(
        `${src.url}/${row.path}: version ${row.version} does not have the SHA-256 its commit recorded.`,
        "Nothing was mirrored past this commit; run `stowage data verify` on the source.",
      );
    if (got.size !== row.size) throw new UserError(`${src.url}/${row.path}: version ${row.version} is ${got.size} bytes, the commit recorded ${row.size}.`);
    let out: Row;
    if (dst.keep && (await dst.mode()) === "content-addressed") {
      // Kept under its SHA-256 only: one write a content (the commits, not a current file, are what is mirrored).
      if (o.kept.has(got.sha256)) o.counts.present++;
      else {
        o.kept.add(got.sha256); // before the write: a row with the same content in flight counts it as present
        await dst.keep(file, got.sha256);
        o.counts.copied++;
        o.counts.bytes += got.size;
      }
      out = o.same ? row : { path: row.path, version: got.sha256, size: got.size, sha256: got.sha256 };
    } else {
      const up = await dst.upload(row.path, file);
      o.counts.copied++;
      o.counts.bytes += got.size;
      out = { path: row.path, version: up.version, size: up.size, sha256: got.sha256, ...(up.etag ? { etag: up.etag } : {}) };
    }
    o.rowMap.set(key(row.path, row.version), out);
    return out;
  } finally {
    await rm(file, { force: true });
  }
}
