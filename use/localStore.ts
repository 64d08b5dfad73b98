/**
 * A repository in a local folder (the laptop). A file's version is its SHA-256, and committing keeps a copy of each new
 * content under .stowage/objects/ (content-addressed, like Git's objects), so any commit can be checked out byte for
 * byte after the folder's files are overwritten or deleted. Create-once metadata uses link(2), which fails with
 * EEXIST when the name exists: exactly one of several concurrent writers creates a ref entry.
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, link, lstat, mkdir, readFile, readdir, rename, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { UserError } from "../core/errors.js";
import { META, comparePaths, copyHashed, type Listed, type Row, type Store } from "./store.js";

export async function openLocal(folder: string, create: boolean): Promise<Store> {
  const root = resolve(folder);
  const info = await stat(root).catch(() => null);
  if (!info && create) await mkdir(root, { recursive: true });
  else if (!info) throw new UserError(`${root} does not exist.`, "Give an existing folder, or s3://bucket/prefix for a bucket.");
  else if (!info.isDirectory()) throw new UserError(`${root} is not a folder.`, "A repository is a folder or s3://bucket/prefix.");
  return new LocalStore(root);
}

class LocalStore implements Store {
  readonly kind = "local" as const;
  constructor(readonly url: string) {}

  private meta(key: string): string {
    return join(this.url, META, key);
  }
  private object(sha: string): string {
    return this.meta(`objects/${sha.slice(0, 2)}/${sha}`);
  }

  async *list(onListed?: (n: number) => void): AsyncIterable<Listed> {
    let n = 0;
    // Depth first with a directory sorted as "name/": the walk then yields full paths in byte order ("a.txt" < "a/b").
    const walk = async function* (dir: string, rel: string): AsyncGenerator<Listed> {
      const entries = await readdir(dir, { withFileTypes: true });
      const keyed = entries
        .filter((e) => (e.isFile() || e.isDirectory()) && !(rel === "" && e.name === META))
        .map((e) => ({ e, key: e.isDirectory() ? `${e.name}/` : e.name }))
        .sort((a, b) => comparePaths(a.key, b.key));
      for (const { e } of keyed) {
        const path = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) yield* walk(join(dir, e.name), path);
        else {
          const s = await lstat(join(dir, e.name));
          if (++n % 1000 === 0) onListed?.(n);
          yield { path, size: s.size, mtimeMs: s.mtimeMs };
        }
      }
    };
    yield* walk(this.url, "");
    onListed?.(n);
  }

  async pin(listed: Listed, previous: Row | undefined): Promise<Row> {
    // Git's index shortcut: same size and mtime as in the parent commit → same content.
    if (previous && previous.size === listed.size && previous.mtimeMs === listed.mtimeMs) return previous;
    const { sha, size } = await this.keep(join(this.url, listed.path));
    return { path: listed.path, version: sha, size, sha256: sha, mtimeMs: listed.mtimeMs! };
  }

  /** Copies a file into the object store while hashing it (one read), named by its hash. */
  private async keep(src: string): Promise<{ sha: string; size: number }> {
    const tmp = this.meta(`tmp/${randomBytes(8).toString("hex")}`);
    await mkdir(dirname(tmp), { recursive: true });
    const { sha256: sha, size } = await copyHashed(createReadStream(src), tmp);
    const target = this.object(sha);
    await mkdir(dirname(target), { recursive: true });
    await rename(tmp, target); // same content under the same name: replacing an existing copy changes nothing
    return { sha, size };
  }

  async fetch(path: string, version: string, dest: string): Promise<{ sha256: string; size: number }> {
    await mkdir(dirname(dest), { recursive: true });
    try {
      await copyFile(this.object(version), dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new UserError(`${this.url}: the content of ${path} (${version}) is missing from ${META}/objects.`, "The repository's object store was changed by hand; check it out from a copy.");
      throw err;
    }
    return { sha256: version, size: (await stat(dest)).size };
  }

  async upload(path: string, src: string): Promise<Row> {
    const { sha, size } = await this.keep(src);
    const dest = join(this.url, path);
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.stowage-${randomBytes(4).toString("hex")}`;
    await copyFile(this.object(sha), tmp);
    await rename(tmp, dest);
    return { path, version: sha, size, sha256: sha, mtimeMs: (await stat(dest)).mtimeMs };
  }

  async readMeta(key: string): Promise<Buffer | null> {
    return readFile(this.meta(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null;
      throw err;
    });
  }
  readFirst(key: string): Promise<Buffer | null> {
    return this.readMeta(key);
  }

  async createMeta(key: string, body: Buffer): Promise<"created" | "exists"> {
    const target = this.meta(key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(tmp, body);
    try {
      await link(tmp, target); // complete content appears at once, or not at all
      return "created";
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return "exists";
      throw err;
    } finally {
      await unlink(tmp);
    }
  }

  async listMeta(folder: string, max = Infinity): Promise<string[]> {
    const names = await readdir(this.meta(folder)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return [] as string[];
      throw err;
    });
    return names.filter((n) => !n.endsWith(".tmp")).sort(comparePaths).slice(0, max).map((n) => `${folder}${n}`);
  }

  async guarantee() {
    return "exclusive-create" as const;
  }

  async settle(head: AsyncIterable<Row>, touched: ReadonlySet<string>): Promise<{ removed: number; restored: number }> {
    const held = new Set<string>();
    let restored = 0;
    for await (const row of head) {
      held.add(row.path);
      const now = await stat(join(this.url, row.path)).catch(() => null);
      if (now?.isFile() && now.size === row.size) continue;
      const dest = join(this.url, row.path);
      const tmp = `${dest}.stowage-${randomBytes(4).toString("hex")}`;
      await mkdir(dirname(dest), { recursive: true });
      await copyFile(this.object(row.version), tmp);
      await rename(tmp, dest);
      restored++;
    }
    let removed = 0;
    for (const path of touched) {
      if (held.has(path)) continue;
      const gone = await unlink(join(this.url, path)).then(() => true, (err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return false;
        throw err;
      });
      if (!gone) continue;
      removed++;
      // Folders the removed file leaves empty go too (up to the repository's root).
      for (let dir = dirname(join(this.url, path)); dir.startsWith(`${this.url}/`); dir = dirname(dir)) {
        if (!(await rmdir(dir).then(() => true, () => false))) break;
      }
    }
    return { removed, restored };
  }
  locate(): null {
    return null;
  }
  async who(): Promise<string> {
    return userInfo().username;
  }
  close(): void {}
}
