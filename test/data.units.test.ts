/** The data layer's pure parts: datums from globs, path order, chunk boundaries that survive an insert, diffs. */
import fc from "fast-check";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareSequencers, parseEvents } from "../datalayer/events.js";
import { datumsBy, groupDatums } from "../datalayer/glob.js";
import { OutputSpool, type Output } from "../datalayer/outputs.js";
import { openLocal } from "../datalayer/localStore.js";
import { ManifestWriter, changes, rows, type Commit } from "../datalayer/manifest.js";
import { RecordWriter, readRecorded } from "../datalayer/datums.js";
import { comparePaths, sha256, type Row } from "../datalayer/store.js";

const PATHS = ["cam-1/a.jpg", "cam-1/sub/b.jpg", "cam-2/c.jpg", "top.txt", ".hidden/x"];

describe("datums from a glob (Pachyderm's rules)", () => {
  it.each([
    ["/", ["", "", "", "", ""]],
    ["/*", ["cam-1", "cam-1", "cam-2", "top.txt", ".hidden"]],
    ["/*/*", ["cam-1/a.jpg", "cam-1/sub", "cam-2/c.jpg", null, ".hidden/x"]],
    ["/cam-*", ["cam-1", "cam-1", "cam-2", null, null]],
    ["/**/*.jpg", ["cam-1/a.jpg", "cam-1/sub/b.jpg", "cam-2/c.jpg", null, null]],
  ])("%s", (glob, expected) => {
    expect(PATHS.map(datumsBy(glob))).toEqual(expected);
  });

  it("refuses a glob that does not start with /", () => {
    expect(() => datumsBy("*")).toThrow(/must start with \//);
  });
});

describe("datums grouped as rows stream (#26)", () => {
  async function* stream<T>(items: readonly T[]): AsyncGenerator<T> {
    yield* items;
  }
  const naive = (paths: readonly string[], glob: string) => {
    const m = new Map<string, string[]>();
    for (const p of paths) {
      const d = datumsBy(glob)(p);
      if (d !== null) m.set(d, [...(m.get(d) ?? []), p]);
    }
    return [...m].sort(([a], [b]) => comparePaths(a, b));
  };
  const grouped = async (paths: readonly string[], glob: string) => {
    const out: [string, string[]][] = [];
    for await (const g of groupDatums(stream(paths.map((path) => ({ path }))), datumsBy(glob))) out.push([g.datum, g.rows.map((r) => r.path)]);
    return out.sort(([a], [b]) => comparePaths(a, b));
  };

  it("gives each datum once with all its rows, a file D beside a folder D/ and siblings between them included", async () => {
    // In byte order "a-1" and "a.txt" sort between the file "a" and the folder "a/": datum "a" is open across them.
    const paths = ["a", "a-1", "a.txt", "a/x", "a/y/z", "b", "é/1"].sort(comparePaths);
    expect(await grouped(paths, "/*")).toEqual([
      ["a", ["a", "a/x", "a/y/z"]],
      ["a-1", ["a-1"]],
      ["a.txt", ["a.txt"]],
      ["b", ["b"]],
      ["é", ["é/1"]],
    ]);
    expect(await grouped(paths, "/")).toEqual([["", paths]]);
  });

  it("agrees with grouping everything in memory, for any sorted paths and glob", async () => {
    const segment = fc.constantFrom("a", "a-1", "a.b", "b", "b0", "c", "é", "\u{1F600}");
    const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(path, { maxLength: 40 }), fc.constantFrom("/", "/*", "/*/*", "/a*", "/**/b"), async (raw, glob) => {
        const paths = [...raw].sort(comparePaths);
        expect(await grouped(paths, glob)).toEqual(naive(paths, glob));
      }),
    );
  });
});

describe("outputs sorted past memory (#26)", () => {
  const out = (path: string, datum: string): Output => ({ path, datum, version: `v-${path}-${datum}`, size: path.length, sha256: null });
  const all = async (spool: OutputSpool) => {
    const got: Output[] = [];
    for await (const o of spool.sorted()) got.push(o);
    return got;
  };

  it("reads back by path then datum whether held or spilled to files, as often as asked, and removes its files", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom("a", "a/b", "a-b", "b", "é", "\u{1F600}", "z/0"), fc.constantFrom("d1", "d2", "d10")), { maxLength: 60 }),
        fc.integer({ min: 1, max: 7 }),
        async (items, limit) => {
          const spool = new OutputSpool(limit);
          for (const [p, d] of items) await spool.add(out(p, d));
          const expected = items.map(([p, d]) => out(p, d)).sort((a, b) => comparePaths(a.path, b.path) || comparePaths(a.datum, b.datum));
          expect(await all(spool)).toEqual(expected);
          expect(await all(spool)).toEqual(expected);
          const folder = spool.folder;
          expect(folder !== null).toBe(items.length >= limit);
          await spool.close();
          if (folder) expect(existsSync(folder)).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("path order", () => {
  it("is UTF-8 byte order, as S3 lists keys", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        expect(Math.sign(comparePaths(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
    );
  });
});

const row = (path: string, version = "v1"): Row => ({ path, version, size: 1, sha256: null });

async function manifest(dir: string, paths: readonly Row[]): Promise<Commit> {
  const store = await openLocal(dir, false);
  const w = new ManifestWriter(store, new Set(), { min: 20, mod: 64, max: 400 });
  for (const r of paths) await w.add(r);
  const chunks = await w.finish();
  return { id: "", parent: null, branch: "main", message: "", author: "", time: "", files: w.files, bytes: w.bytes, added: 0, modified: 0, deleted: 0, chunks };
}

describe("manifest chunks", () => {
  const sorted = Array.from({ length: 5000 }, (_, i) => `cam-${i % 50}/frame-${i}.jpg`)
    .sort(comparePaths)
    .map((p) => row(p));

  it("are cut by the paths, so inserting one file changes one chunk", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-chunks-"));
    const before = await manifest(dir, sorted);
    const withOne = [...sorted, row("cam-25/frame-new.jpg")].sort((a, b) => comparePaths(a.path, b.path));
    const after = await manifest(dir, withOne);
    expect(before.chunks.length).toBeGreaterThan(10);
    const old = new Set(before.chunks.map((c) => c.id));
    expect(after.chunks.filter((c) => !old.has(c.id))).toHaveLength(1);
    const back: string[] = [];
    for await (const r of rows(await openLocal(dir, false), after)) back.push(r.path);
    expect(back).toEqual(withOne.map((r) => r.path));
  });

  it("refuse rows out of order (a bug, not a user error)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-chunks-"));
    await expect(manifest(dir, [row("b"), row("a")])).rejects.toThrow(/out of order/);
  });

  it("diff to exactly the added, modified and deleted paths", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-chunks-"));
    const store = await openLocal(dir, false);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.stringMatching(/^[a-c]{1,3}(\/[a-c]{1,2})?$/), { maxLength: 40 }),
        fc.infiniteStream(fc.integer({ min: 0, max: 3 })),
        async (paths, fates) => {
          const a = [...paths].sort(comparePaths).map((p) => row(p));
          const b: Row[] = [];
          const expected = { added: [] as string[], modified: [] as string[], deleted: [] as string[] };
          const it = fates[Symbol.iterator]();
          for (const r of a) {
            const fate = it.next().value as number;
            if (fate === 0) expected.deleted.push(r.path);
            else if (fate === 1) (b.push(row(r.path, "v2")), expected.modified.push(r.path));
            else b.push(r);
          }
          for (const extra of ["zz/1", "zz/2"]) (b.push(row(extra)), expected.added.push(extra));
          const got = { added: [] as string[], modified: [] as string[], deleted: [] as string[] };
          for await (const c of changes(store, await manifest(dir, a), await manifest(dir, b))) got[c.change].push(c.path);
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("S3 event notifications", () => {
  const record = (over: Record<string, unknown> = {}, object: Record<string, unknown> = {}) => ({
    eventVersion: "2.1",
    eventName: "ObjectCreated:Put",
    s3: { bucket: { name: "b" }, object: { key: "uploads/home+1/a%2Bb.jpg", size: 3, versionId: "v1", sequencer: "0A", ...object } },
    ...over,
  });

  it("decodes keys as S3 encodes them (space as +), through an SNS envelope too", () => {
    expect(parseEvents({ Records: [record()] }).created).toEqual([{ bucket: "b", key: "uploads/home 1/a+b.jpg", versionId: "v1", size: 3, sequencer: "0A" }]);
    expect(parseEvents({ Type: "Notification", Message: JSON.stringify({ Records: [record()] }) }).created).toHaveLength(1);
  });

  it("ignores, with a reason, what is not a new object version", () => {
    const parsed = parseEvents({
      Records: [record({ eventName: "ObjectRemoved:Delete" }), record({ eventVersion: "3.0" }), record({}, { versionId: undefined })],
    });
    expect(parsed.created).toEqual([]);
    expect(parsed.ignored).toEqual(["ObjectRemoved:Delete", "eventVersion 3.0", "uploads/home+1/a%2Bb.jpg: no versionId (is the bucket versioned?)"]);
    expect(parseEvents({ Event: "s3:TestEvent" }).ignored).toEqual(["s3:TestEvent"]);
    expect(() => parseEvents({ hello: 1 })).toThrow(/no Records/);
  });

  it("orders sequencers for one key after right-padding the shorter with zeros", () => {
    expect(compareSequencers("0A", "0A00")).toBe(0);
    expect(compareSequencers("0B", "0A0F")).toBe(1);
    expect(compareSequencers("0055AED6DCD90281E5", "0055AED6DCD90281E6")).toBe(-1);
  });
});

describe("datum records in batches (#26)", () => {
  const record = (i: number) => ({ key: sha256(`datum ${i}`), datum: `f-${i}`, status: "processed", outputs: [{ path: `f-${i}.txt` }] });

  it("writes one object per batch of records and reads back exactly the wanted ones, old single-file records too", async () => {
    const store = await openLocal(mkdtempSync(join(tmpdir(), "stowage-datums-")), true);
    const writer = new RecordWriter<ReturnType<typeof record>>(store, "run-a", 1000, 60_000);
    for (let i = 0; i < 2500; i++) await writer.add(record(i));
    expect((await store.listMeta("datums/")).length).toBe(2); // two full batches so far, 500 pending
    await writer.flush();
    await writer.flush(); // nothing pending: writes nothing
    // A record written the way every run did before batches.
    await store.createMeta(`datums/${record(9000).key}.json`, Buffer.from(`${JSON.stringify(record(9000))}\n`));
    expect(await store.listMeta("datums/")).toEqual(
      ["datums/run-a-000001.jsonl", "datums/run-a-000002.jsonl", "datums/run-a-000003.jsonl", `datums/${record(9000).key}.json`].sort(comparePaths),
    );
    const earlier = await readRecorded<ReturnType<typeof record>>(store);
    expect((await earlier(record(0).key))?.datum).toBe("f-0");
    expect((await earlier(record(1999).key))?.datum).toBe("f-1999");
    expect((await earlier(record(2499).key))?.datum).toBe("f-2499");
    expect((await earlier(record(9000).key))?.datum).toBe("f-9000");
    expect(await earlier(sha256("never run"))).toBeNull();
    expect((await earlier(record(0).key))?.datum).toBe("f-0"); // asked again: read again from the batch
  });

  it("finds every record when there are more batches than it keeps, reading a batch again only when asked", async () => {
    const store = await openLocal(mkdtempSync(join(tmpdir(), "stowage-datums-")), true);
    const writer = new RecordWriter<ReturnType<typeof record>>(store, "run-e", 5);
    for (let i = 0; i < 200; i++) await writer.add(record(i));
    await writer.flush();
    let reads = 0;
    const counted = Object.assign(Object.create(store) as typeof store, {
      readMeta: (key: string) => {
        reads++;
        return store.readMeta(key);
      },
    });
    const earlier = await readRecorded<ReturnType<typeof record>>(counted);
    expect(reads).toBe(40);
    // The first 16 batches were kept from the first reading.
    for (let i = 0; i < 80; i++) expect((await earlier(record(i).key))?.datum).toBe(`f-${i}`);
    expect(reads).toBe(40);
    for (let i = 199; i >= 0; i--) expect((await earlier(record(i).key))?.datum).toBe(`f-${i}`);
    expect(reads).toBeLessThan(40 + 40 + 1);
    expect(await earlier(sha256("never run"))).toBeNull();
  });

  it("skips only by records of datums that were processed (a large run's batches also list skipped and failed ones)", async () => {
    const store = await openLocal(mkdtempSync(join(tmpdir(), "stowage-datums-")), true);
    const failed = { ...record(1), status: "failed" };
    const skipped = { ...record(2), status: "skipped" };
    const done = { ...record(3), status: "processed" };
    await store.createMeta("datums/run-d-000001.jsonl", Buffer.from([failed, skipped, done].map((r) => `${JSON.stringify(r)}\n`).join("")));
    const earlier = await readRecorded<ReturnType<typeof record>>(store);
    expect(await earlier(failed.key)).toBeNull();
    expect(await earlier(skipped.key)).toBeNull();
    expect((await earlier(done.key))?.datum).toBe("f-3");
  });

  it("finds records whose keys share their first 52 bits (the index's part), each by its whole key", async () => {
    const store = await openLocal(mkdtempSync(join(tmpdir(), "stowage-datums-")), true);
    const twin = (tail: string) => ({ key: `${"ab".repeat(6)}a${tail}`, datum: `twin-${tail}`, status: "processed" });
    const [a, b, c] = [twin("0".repeat(51)), twin("1".repeat(51)), twin("2".repeat(51))];
    await store.createMeta("datums/run-t-000001.jsonl", Buffer.from([a, b].map((r) => `${JSON.stringify(r)}\n`).join("")));
    await store.createMeta("datums/run-t-000002.jsonl", Buffer.from(`${JSON.stringify(c)}\n`));
    const earlier = await readRecorded<ReturnType<typeof twin>>(store);
    expect((await earlier(c.key))?.datum).toBe(c.datum);
    expect((await earlier(b.key))?.datum).toBe(b.datum);
    expect((await earlier(a.key))?.datum).toBe(a.datum);
    expect(await earlier(twin("3".repeat(51)).key)).toBeNull();
  });

  it("holds adds back while a full batch waits behind a write: at most one written and one pending", async () => {
    const store = await openLocal(mkdtempSync(join(tmpdir(), "stowage-datums-")), true);
    const writes: (() => void)[] = [];
    const slow = Object.assign(Object.create(store) as typeof store, {
      createMeta: (key: string, body: Buffer) => new Promise<"created" | "exists">((done) => writes.push(() => void store.createMeta(key, body).then(done))),
    });
    const writer = new RecordWriter<ReturnType<typeof record>>(slow, "run-w", 10, 60_000);
    const adds: Promise<void>[] = [];
    let settled = 0;
    for (let i = 0; i < 25; i++) adds.push(writer.add(record(i)).then(() => void settled++));
    const tick = () => new Promise((r) => setTimeout(r, 20));
    await tick();
    // Records 1–10 are being written; 11–20 fill the next batch, and the adds that find it full (20–25) wait.
    expect(writes.length).toBe(1);
    expect(settled).toBe(18); // 1–9 and 11–19; 10 started the write and waits for it
    writes.shift()!();
    await tick();
    expect(settled).toBe(19); // 10; 20–25 wait for the next writes (11–20, then 21–25)
    expect(writes.length).toBe(1);
    writes.shift()!();
    await tick();
    expect(writes.length).toBe(1);
    writes.shift()!();
    await Promise.all(adds);
    expect(settled).toBe(25);
    await writer.flush(); // nothing pending
    expect(writer.names).toEqual(["datums/run-w-000001.jsonl", "datums/run-w-000002.jsonl", "datums/run-w-000003.jsonl"]);
    const earlier = await readRecorded<ReturnType<typeof record>>(store);
    for (let i = 0; i < 25; i++) expect((await earlier(record(i).key))?.datum).toBe(`f-${i}`);
  });

  it("writes a batch when one is due, even before it is full", async () => {
    const store = await openLocal(mkdtempSync(join(tmpdir(), "stowage-datums-")), true);
    const writer = new RecordWriter<ReturnType<typeof record>>(store, "run-b", 1000, 0);
    await writer.add(record(1));
    await writer.add(record(2));
    expect(await store.listMeta("datums/")).toEqual(["datums/run-b-000001.jsonl", "datums/run-b-000002.jsonl"]);
  });
});

describe("datum records one by one (a watcher's, #26)", () => {
  it("writes a batch of 1 as the single <key>.json every run wrote before", async () => {
    const store = await openLocal(mkdtempSync(join(tmpdir(), "stowage-datums-")), true);
    const key = sha256("watched");
    await new RecordWriter(store, "run-c", 1).add({ key });
    expect(await store.listMeta("datums/")).toEqual([`datums/${key}.json`]);
    expect(await (await readRecorded<{ key: string }>(store))(key)).toEqual({ key });
  });
});
