/**
 * How a repository on a bucket prefix is used, and what its writes guarantee: versions (the bucket keeps them) or
 * content addresses (it keeps none), create-once by If-None-Match (conditional-write) or by the oldest version
 * (first-version-wins). Probed once per repository with the same two writes a first commit makes, and remembered in
 * .stowage/capabilities.json; read-only roles, which may not write the probe, are answered from what is stored.
 */
import { ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import type { SdkError } from "../core/s3Client.js";
import { probeCreateOnce, type Blobs } from "./casStore.js";
import type { S3Access } from "./s3Blobs.js";
import type { Guarantee, Mode } from "./store.js";

/** What the probe needs of the S3 store (s3Store.ts): the bucket's access as s3Blobs.ts has it, and where .stowage/ is. */
export interface ProbeAccess extends S3Access {
  readonly url: string;
  /** A key under the repository's .stowage/. */
  metaKey(key: string): string;
  /** The bucket as Blobs, for the content-addressed probe. */
  blobs(): Blobs;
}

/** What the store was found to guarantee, under the repository's .stowage/. */
const CAPABILITIES = "capabilities.json";
/** Files written before the content-addressed mode have no `mode`: they were only ever written on versioned buckets. */
interface Capabilities {
  readonly guarantee?: Guarantee;
  readonly mode?: Mode;
  readonly probedAt?: string;
}

export class S3Probe {
  private probed: Promise<Guarantee> | null = null;
  /** What the last probe found about versions (set with `probed`). */
  private probedMode: Mode | null = null;
  private remembered: Promise<Capabilities | null> | null = null;
  private modeFound: Promise<Mode> | null = null;

  constructor(private readonly s: ProbeAccess) {}

  /** What an earlier probe of this repository found (.stowage/capabilities.json); null when none, or STOWAGE_REPROBE=1. */
  private rememberedCaps(): Promise<Capabilities | null> {
    this.remembered ??= (async () => {
      if (process.env.STOWAGE_REPROBE === "1") return null;
      const body = await this.s.get(this.s.metaKey(CAPABILITIES));
      if (!body) return null;
      try {
        return JSON.parse(body.toString("utf8")) as Capabilities;
      } catch {
        return null; // probed again, and written again
      }
    })();
    return this.remembered;
  }

  /**
   * Versions or content addresses: as remembered, else as the probe finds (the same two writes a first commit or run
   * makes; no s3:GetBucketVersioning, which the team roles are not granted). A repository is probed before its first
   * record is written, so readers of any repository with a commit find the answer remembered.
   */
  mode(): Promise<Mode> {
    this.modeFound ??= (async () => {
      const known = await this.rememberedCaps();
      if (known?.guarantee) return known.mode ?? "versions";
      try {
        await this.guarantee();
        return this.probedMode!;
      } catch (err) {
        // A reader may not write the probe: a read-only role (prod's claims team) on a repository whose writers have
        // not run since capabilities were remembered. Its records' own versions answer without a write.
        const seen = await this.modeFromRecords().catch(() => null);
        if (seen) return seen;
        throw err;
      }
    })();
    return this.modeFound;
  }

  /**
   * Read-only: a version id on one of the repository's records means the bucket keeps versions. Null when that
   * cannot tell (no records yet). A content-addressed repository always has its capabilities remembered: it is new.
   */
  private async modeFromRecords(): Promise<Mode | null> {
    const res = await this.s.client.send(new ListObjectVersionsCommand({ Bucket: this.s.bucket, Prefix: this.s.metaKey(""), MaxKeys: 1 }));
    const v = res.Versions?.[0];
    return v?.VersionId && v.VersionId !== "null" ? "versions" : null;
  }

  /**
   * Writes a probe key, then writes it again with If-None-Match: *. A 412 means the store enforces create-once (AWS
   * since 2024-08); an accepted second write means it does not (Ceph RGW 16 on a versioned bucket). The first write
   * also proves the bucket keeps versions, which every commit relies on.
   */
  guarantee(): Promise<Guarantee> {
    this.probed ??= (async () => {
      // Probed once per repository and remembered in .stowage/capabilities.json (one GET instead of two probe writes on
      // every command); STOWAGE_REPROBE=1 probes again, e.g. after the store was upgraded.
      const known = await this.rememberedCaps();
      if (known?.guarantee === "conditional-write" || known?.guarantee === "first-version-wins") {
        this.probedMode = known.mode ?? "versions";
        return known.guarantee;
      }
      const found = await this.probeNow();
      const caps: Capabilities = { guarantee: found.guarantee, mode: found.mode, probedAt: new Date().toISOString() };
      this.probedMode = found.mode;
      await this.s.call(`PutObject on ${this.s.metaKey(CAPABILITIES)}`, () =>
        this.s.put(this.s.metaKey(CAPABILITIES), Buffer.from(`${JSON.stringify(caps)}\n`)),
      );
      return found.guarantee;
    })();
    return this.probed;
  }

  /**
   * The first write also tells whether the bucket keeps versions (a versionId other than "null"); one that does not
   * (never enabled, or suspended) is used content-addressed, which needs If-None-Match to hold.
   */
  private async probeNow(): Promise<{ guarantee: Guarantee; mode: Mode }> {
    const Key = this.s.metaKey("probe");
    const body = Buffer.from("stowage probe\n");
    const first = await this.s.call(`PutObject on ${Key}`, () => this.s.put(Key, body));
    if (!first.VersionId || first.VersionId === "null")
      return { guarantee: await probeCreateOnce(this.s.blobs(), this.s.metaKey(""), this.s.url), mode: "content-addressed" };
    return this.s.call(`PutObject on ${Key}`, () =>
      this.s.put(Key, body, { IfNoneMatch: "*" }).then(
        () => ({ guarantee: "first-version-wins", mode: "versions" }) as const,
        (err) => {
          if ((err as SdkError).$metadata?.httpStatusCode === 412) return { guarantee: "conditional-write", mode: "versions" } as const;
          throw err;
        },
      ),
    );
  }
}
