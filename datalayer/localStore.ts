/**
 * A repository in a local folder (the laptop). A file's version is its SHA-256, and committing keeps a copy of each new
 * content under .stowage/objects/ (content-addressed, like Git's objects), so any commit can be checked out byte for
 * byte after the folder's files are overwritten or deleted. Create-once metadata uses link(2), which fails with
 * EEXIST when the name exists: exactly one of several concurrent writers creates a ref entry.
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import type { BigIntStats } from "node:fs";
import { copyFile, link, lstat, mkdir, readFile, readdir, readlink, realpath, rename, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { UserError } from "../core/errors.js";
import { META, comparePaths, copyHashed, hashStream, type Inspected, type Listed, type Lock, type Row, type Store } from "./store.js";

export async function openLocal(folder: string, create: boolean): Promise<Store> {
  const root = resolve(folder);
  const info = await stat(root).catch(() => null);
  if (!info && create) await mkdir(root, { recursive: true });
  else if (!info) throw new UserError(`${root} does not exist.`, "Give an existing folder, or s3://bucket/prefix for a bucket.");
  else if (!info.isDirectory()) throw new UserError(`${root} is not a folder.`, "A repository is a folder or s3://bucket/prefix.");
  return new LocalStore(root);
}

/**
 * How long after its last change a file's fingerprint is trusted. A write in the same timestamp tick as the listing
 * (ticks are milliseconds on ext4, 2 s on FAT) leaves size, mtime and ctime as they were when the file was hashed;
 * git calls such an entry "racily clean" and hashes it again, and so does the next commit here.
 */
const RACY_NS = 2_000_000_000n;

/**
 * Size aside, what git's index compares: mtime and ctime in nanoseconds, inode and device. Tools that restore an
 * mtime (touch -r, cp -p, rsync -t, tar x) cannot restore ctime, and those that replace the file change the inode.
 * Null when the file changed within RACY_NS of `now` (the file system's clock).
 */
function fingerprint(s: BigIntStats, now: bigint): string | null {
  const changed = s.mtimeNs > s.ctimeNs ? s.mtimeNs : s.ctimeNs;
  if (changed + RACY_NS > now) return null;
  return `${s.mtimeNs}:${s.ctimeNs}:${s.ino}:${s.dev}`;
}

class LocalStore implements Store {
  readonly kind = "local" as const;
  constructor(readonly url: string) {}
  async mode() {
    return "content-addressed" as const;
  }

  private meta(key: string): string {
    return join(this.url, META, key);
  }
  private object(sha: string): string {
    return this.meta(`objects/${sha.slice(0, 2)}/${sha}`);
  }

  async *list(onListed?: (n: number) => void): AsyncIterable<Listed> {
    let n = 0;
    const now = await this.fsClock();
    const realRoot = await realpath(this.url);
    const refused: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the walk is an async generator function, which has its own `this`
    const store = this;
    // Depth first with a directory sorted as "name/": the walk then yields full paths in byte order ("a.txt" < "a/b").
    const walk = async function* (dir: string, rel: string): AsyncGenerator<Listed> {
      const entries = await readdir(dir, { withFileTypes: true });
      const keyed = entries
        .filter((e) => (e.isFile() || e.isDirectory() || e.isSymbolicLink()) && !(rel === "" && e.name === META))
        .map((e) => ({ e, key: e.isDirectory() ? `${e.name}/` : e.name }))
        .sort((a, b) => comparePaths(a.key, b.key));
      for (const { e } of keyed) {
        const path = rel ? `${rel}/${e.name}` : e.name;
        const full = join(dir, e.name);
        if (e.isDirectory()) yield* walk(full, path);
        else if (e.isSymbolicLink()) {
          const link = await store.followLink(full, realRoot);
          if ("refused" in link) {
            refused.push(`${path} → ${link.target} (${link.refused})`);
            continue;
          }
          if (++n % 1000 === 0) onListed?.(n);
          const [own, target] = [fingerprint(link.linkStat, now), fingerprint(link.targetStat, now)];
          yield { path, size: Number(link.targetStat.size), linkTo: link.to, ...(own && target ? { stat: `${own}>${target}` } : {}) };
        } else {
          const s = await lstat(full, { bigint: true });
          if (++n % 1000 === 0) onListed?.(n);
          const fp = fingerprint(s, now);
          yield { path, size: Number(s.size), ...(fp ? { stat: fp } : {}) };
        }
      }
    };
    yield* walk(this.url, "");
    onListed?.(n);
    if (refused.length)
      throw new UserError(
        `${this.url}: ${refused.length} symbolic link${refused.length > 1 ? "s" : ""} cannot be committed: ${refused.slice(0, 5).join("; ")}${refused.length > 5 ? `; and ${refused.length - 5} more` : ""}.`,
        "A link to a file inside the repository is committed as that file's content; copy other targets into the repository (or remove the links) and commit again. Nothing was committed.",
      );
  }

  /** A symbolic link is committed as its target's bytes when the target is a file inside the repository. */
  private async followLink(
    full: string,
    realRoot: string,
  ): Promise<{ to: string; linkStat: BigIntStats; targetStat: BigIntStats } | { refused: string; target: string }> {
    const target = await readlink(full);
    const real = await realpath(full).catch(() => null);
    if (real === null) return { refused: "points at nothing", target };
    if (!real.startsWith(`${realRoot}/`)) return { refused: "outside the repository", target };
    const to = relative(realRoot, real).split(sep).join("/");
    if (to === META || to.startsWith(`${META}/`)) return { refused: `inside ${META}`, target };
    const targetStat = await stat(real, { bigint: true });
    if (!targetStat.isFile()) return { refused: "not a file", target };
    return { to, linkStat: await lstat(full, { bigint: true }), targetStat };
  }

  /** The file system's clock now (the mtime of a file just written): the reference for "changed too recently". */
  private async fsClock(): Promise<bigint> {
    const probe = this.meta(`tmp/clock-${randomBytes(8).toString("hex")}`);
    try {
      await mkdir(dirname(probe), { recursive: true });
      await writeFile(probe, "");
    } catch (err) {
      // A repository this user may only read can still answer "nothing changed": the process's clock then.
      if (["EACCES", "EPERM", "EROFS"].includes((err as NodeJS.ErrnoException).code ?? "")) return BigInt(Date.now()) * 1_000_000n;
      throw err;
    }
    try {
      return (await stat(probe, { bigint: true })).mtimeNs;
    } finally {
      await unlink(probe);
    }
  }

  async pin(listed: Listed, previous: Row | undefined): Promise<Row> {
    // Git's index shortcut, as strong as git's: same size, mtime, ctime, inode and device as when it was hashed.
    if (previous?.stat !== undefined && previous.stat === listed.stat && previous.size === listed.size) return previous;
    const { sha, size } = await this.keepCopy(join(this.url, listed.linkTo ?? listed.path));
    return { path: listed.path, version: sha, size, sha256: sha, ...(listed.stat ? { stat: listed.stat } : {}) };
  }

  /** Copies a file into the object store while hashing it (one read), named by its hash. */
  private async keepCopy(src: string): Promise<{ sha: string; size: number }> {
    const tmp = this.meta(`tmp/${randomBytes(8).toString("hex")}`);
    await mkdir(dirname(tmp), { recursive: true });
    const { sha256: sha, size } = await copyHashed(createReadStream(src), tmp);
    const target = this.object(sha);
    await mkdir(dirname(target), { recursive: true });
    // A copy already kept stays as it is: its mtime is when this content was first stored (the upload time an
    // evidence bundle reports), and a kept copy changed by hand is left for `data verify` to find, not papered over.
    if (
      await stat(target).then(
        () => true,
        () => false,
      )
    )
      await unlink(tmp);
    else await rename(tmp, target);
    return { sha, size };
  }

  async fetch(path: string, version: string, dest: string): Promise<{ sha256: string; size: number }> {
    await mkdir(dirname(dest), { recursive: true });
    try {
      await copyFile(this.object(version), dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT")
        throw new UserError(
          `${this.url}: the content of ${path} (${version}) is missing from ${META}/objects.`,
          "The repository's object store was changed by hand; check it out from a copy.",
        );
      throw err;
    }
    return { sha256: version, size: (await stat(dest)).size };
  }

  async inspect(_path: string, version: string): Promise<Inspected | null> {
    const file = this.object(version);
    const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null;
      throw err;
    });
    if (!info) return null;
    return { ...(await hashStream(createReadStream(file))), storedAt: info.mtime.toISOString(), lock: null };
  }

  /** A folder's version of a file is its content's SHA-256. */
  async currentVersion(path: string): Promise<string | null> {
    try {
      return (await hashStream(createReadStream(join(this.url, path)))).sha256;
    } catch (err) {
      if (["ENOENT", "ENOTDIR", "EISDIR"].includes((err as NodeJS.ErrnoException).code ?? "")) return null;
      throw err;
    }
  }

  /** A folder has no Object Lock. */
  async metaLock(): Promise<Lock | null> {
    return null;
  }
  async defaultRetention(): Promise<null> {
    return null;
  }

  async *contents(): AsyncIterable<string> {
    const dir = this.meta("objects");
    for (const sub of await readdir(dir).catch(() => [] as string[])) for (const name of await readdir(join(dir, sub)).catch(() => [] as string[])) yield name;
  }

  /** The content is the file's (a mirror checked it), kept under its SHA-256 as pin() keeps it. */
  async keep(src: string): Promise<void> {
    await this.keepCopy(src);
  }

  async upload(path: string, src: string): Promise<Row> {
    const { sha, size } = await this.keepCopy(src);
    const dest = join(this.url, path);
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.stowage-${randomBytes(4).toString("hex")}`;
    await copyFile(this.object(sha), tmp);
    await rename(tmp, dest);
    return { path, version: sha, size, sha256: sha }; // just written: too recent for a fingerprint (see RACY_NS)
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
    return names
      .filter((n) => !n.endsWith(".tmp"))
      .sort(comparePaths)
      .slice(0, max)
      .map((n) => `${folder}${n}`);
  }

  async guarantee() {
    return "exclusive-create" as const;
  }

  async settle(
    head: AsyncIterable<Row>,
    touched: AsyncIterable<{ readonly path: string }> | Iterable<{ readonly path: string }>,
  ): Promise<{ removed: number; restored: number }> {
    // Both in path order, walked side by side: no set of either (a run's outputs may be millions).
    const rows = head[Symbol.asyncIterator]();
    let row = await rows.next();
    let restored = 0;
    const restore = async (r: Row): Promise<void> => {
      const dest = join(this.url, r.path);
      const now = await stat(dest).catch(() => null);
      if (now?.isFile() && now.size === r.size) return;
      const tmp = `${dest}.stowage-${randomBytes(4).toString("hex")}`;
      await mkdir(dirname(dest), { recursive: true });
      await copyFile(this.object(r.version), tmp);
      await rename(tmp, dest);
      restored++;
    };
    let removed = 0;
    let last: string | null = null;
    for await (const { path } of touched) {
      if (path === last) continue;
      last = path;
      while (!row.done && comparePaths(row.value.path, path) < 0) {
        await restore(row.value);
        row = await rows.next();
      }
      if (!row.done && row.value.path === path) continue; // the head holds it: restored, if need be, when passed
      if (await this.remove(path)) removed++;
    }
    for (; !row.done; row = await rows.next()) await restore(row.value);
    return { removed, restored };
  }

  /** Removes a file, and the folders it leaves empty up to the repository's root; false when it was not there. */
  private async remove(path: string): Promise<boolean> {
    const gone = await unlink(join(this.url, path)).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT") return false;
        throw err;
      },
    );
    if (!gone) return false;
    for (let dir = dirname(join(this.url, path)); dir.startsWith(`${this.url}/`); dir = dirname(dir)) {
      if (
        !(await rmdir(dir).then(
          () => true,
          () => false,
        ))
      )
        break;
    }
    return true;
  }
  locate(): null {
    return null;
  }
  async who(): Promise<string> {
    return userInfo().username;
  }
  close(): void {}
}
