/**
 * Synthetic stores for memory measurements (bench/memory.ts, test/run.memory.test.ts): a listing generated as it is
 * read, file bytes made from path and version (nothing held), metadata in memory or, out of the process as a bucket's
 * would be, in a folder. What a process holds while it runs over one is then the data layer's own memory.
 */
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { sha256, type Listed, type Row, type Store } from "../../datalayer/store.js";

/** The keys a bucket of camera frames has, in byte order: `cam-NNNN/frame-NNNNNNNN.jpg`. */
export async function* listing(n: number): AsyncIterable<Listed> {
  const cams = 1000;
  const per = Math.ceil(n / cams);
  let i = 0;
  for (let c = 0; c < cams && i < n; c++) {
    for (let f = 0; f < per && i < n; f++, i++) {
      yield {
        path: `cam-${String(c).padStart(4, "0")}/frame-${String(f).padStart(8, "0")}.jpg`,
        size: 40_000 + (i % 997),
        version: `v${i.toString(36)}.${"x".repeat(24)}`,
        etag: `"${i.toString(16).padStart(32, "0")}"`,
      };
    }
  }
}

/** One image a datum: `img-NNNNNNNN.jpg`, in byte order. */
export async function* images(n: number): AsyncIterable<Listed> {
  for (let i = 0; i < n; i++) yield { path: `img-${String(i).padStart(8, "0")}.jpg`, size: 64, version: `v${i.toString(36)}.${"x".repeat(24)}` };
}

/** Where a synthetic store keeps its metadata. */
export interface Meta {
  read(key: string): Promise<Buffer | null>;
  create(key: string, body: Buffer): Promise<"created" | "exists">;
  list(folder: string, max: number): Promise<string[]>;
  held(): number;
}

export class MemoryMeta implements Meta {
  private readonly meta = new Map<string, Buffer>();
  async read(key: string) {
    return this.meta.get(key) ?? null;
  }
  async create(key: string, body: Buffer) {
    if (this.meta.has(key)) return "exists" as const;
    this.meta.set(key, body);
    return "created" as const;
  }
  async list(folder: string, max: number) {
    return [...this.meta.keys()]
      .filter((k) => k.startsWith(folder))
      .sort()
      .slice(0, max);
  }
  held() {
    let n = 0;
    for (const b of this.meta.values()) n += b.length;
    return n;
  }
}

/** Metadata as files in a folder, as a folder repository keeps it: out of the process, as a bucket's would be. */
export class DiskMeta implements Meta {
  constructor(private readonly dir: string) {}
  async read(key: string) {
    return readFile(join(this.dir, key)).catch(() => null);
  }
  async create(key: string, body: Buffer) {
    await mkdir(dirname(join(this.dir, key)), { recursive: true });
    return writeFile(join(this.dir, key), body, { flag: "wx" }).then(
      () => "created" as const,
      (err: NodeJS.ErrnoException) => {
        if (err.code === "EEXIST") return "exists" as const;
        throw err;
      },
    );
  }
  async list(folder: string, max: number) {
    const names = await readdir(join(this.dir, folder)).catch(() => [] as string[]);
    return names
      .sort()
      .slice(0, max)
      .map((n) => `${folder}${n}`);
  }
  held() {
    return 0;
  }
}

export class SyntheticStore implements Store {
  readonly kind = "s3" as const;
  constructor(
    readonly url: string,
    private readonly files: () => AsyncIterable<Listed>,
    readonly meta: Meta,
  ) {}
  async mode() {
    return "versions" as const;
  }
  list(): AsyncIterable<Listed> {
    return this.files();
  }
  async pin(listed: Listed, previous: Row | undefined): Promise<Row> {
    return {
      path: listed.path,
      version: listed.version!,
      size: listed.size,
      sha256: previous && previous.version === listed.version ? previous.sha256 : null,
      ...(listed.etag ? { etag: listed.etag } : {}),
    };
  }
  /** The file's bytes are its path and version: a fetch writes them, nothing is held. */
  async fetch(path: string, version: string, dest: string): Promise<{ sha256: string; size: number }> {
    const body = `${path} ${version}\n`;
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, body);
    return { sha256: sha256(body), size: body.length };
  }
  /** An upload reads and hashes the file; the version is its hash (nothing is kept). */
  async upload(path: string, src: string): Promise<Row> {
    const body = await readFile(src);
    const hash = sha256(body);
    return { path, version: hash, size: body.length, sha256: hash };
  }
  inspect(): Promise<null> {
    throw new Error("not in this bench");
  }
  currentVersion(): Promise<string | null> {
    throw new Error("not in this bench");
  }
  async metaLock(): Promise<null> {
    return null;
  }
  async defaultRetention(): Promise<null> {
    return null;
  }
  readMeta(key: string): Promise<Buffer | null> {
    return this.meta.read(key);
  }
  readFirst(key: string): Promise<Buffer | null> {
    return this.meta.read(key);
  }
  createMeta(key: string, body: Buffer): Promise<"created" | "exists"> {
    return this.meta.create(key, body);
  }
  listMeta(folder: string, max = Infinity): Promise<string[]> {
    return this.meta.list(folder, max);
  }
  async guarantee() {
    return "conditional-write" as const;
  }
  locate(): string | null {
    return null;
  }
  async who(): Promise<string> {
    return "bench";
  }
  close(): void {}
}
