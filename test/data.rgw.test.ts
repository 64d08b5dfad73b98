/**
 * The data layer on a real S3 implementation: prefixes of versioned buckets on Ceph RADOS Gateway, through the built
 * command with --endpoint — the same suite and the same command lines as on a local folder. Also pins down what this
 * store guarantees for concurrent branch updates (it ignores If-None-Match on versioned buckets).
 */
import { CreateBucketCommand, DeleteObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openS3 } from "../use/s3Store.js";
import { dataLayerSuite, stowage, type Place } from "./support/dataSuite.js";
import { INSTALL, describeRealPart } from "./support/realParts.js";
import { RGW_USER, rgwUnavailable, startRgw, type Rgw } from "./support/rgw.js";

describeRealPart("stowage data and stowage run on Ceph RGW", rgwUnavailable(), INSTALL.rgw, () => {
  let rgw: Rgw;
  let s3: S3Client;
  let cases = 0;
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_"))),
    HOME: mkdtempSync(join(tmpdir(), "stowage-home-")),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ACCESS_KEY_ID: RGW_USER.accessKeyId,
    AWS_SECRET_ACCESS_KEY: RGW_USER.secretAccessKey,
  };
  beforeAll(() => {
    rgw = startRgw();
    s3 = new S3Client({ region: "us-east-1", endpoint: rgw.endpoint, forcePathStyle: true, credentials: RGW_USER, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
  }, 240_000);
  afterAll(() => {
    s3?.destroy();
    rgw?.stop();
  });

  const split = (repo: string, path: string) => {
    const [bucket, ...prefix] = repo.slice("s3://".length).split("/");
    return { Bucket: bucket!, Key: [...prefix, path].join("/") };
  };
  dataLayerSuite(async () => {
    // Each case in a new versioned bucket.
    const bucket = `data-${++cases}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    return {
      repo: (name) => `s3://${bucket}/${name}`,
      flags: ["--endpoint", rgw.endpoint, "--region", "us-east-1"],
      env,
      guarantee: "first-version-wins",
      async put(repo, path, body) {
        return (await s3.send(new PutObjectCommand({ ...split(repo, path), Body: body }))).VersionId!;
      },
      async remove(repo, path) {
        await s3.send(new DeleteObjectCommand(split(repo, path)));
      },
      async versions(repo, path) {
        const { Bucket, Key } = split(repo, path);
        return ((await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: Key }))).Versions ?? []).filter((v) => v.Key === Key).length;
      },
    };
  });

  it("lets exactly one of many concurrent writers create a ref entry, though RGW accepts every write", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "race" }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: "race", VersioningConfiguration: { Status: "Enabled" } }));
    const stores = Array.from({ length: 8 }, () => openS3("race", "repo/", { endpoint: rgw.endpoint, region: "us-east-1" }));
    process.env.AWS_ACCESS_KEY_ID = RGW_USER.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = RGW_USER.secretAccessKey;
    try {
      expect(await stores[0]!.guarantee()).toBe("first-version-wins");
      for (let round = 0; round < 5; round++) {
        const key = `refs/main/${round}.json`;
        const results = await Promise.all(stores.map((s, i) => s.createMeta(key, Buffer.from(`writer ${i}`))));
        expect(results.filter((r) => r === "created")).toHaveLength(1);
        const winner = results.indexOf("created");
        // Every version is kept (RGW ignored If-None-Match), yet every reader sees the winner's.
        expect((await s3.send(new ListObjectVersionsCommand({ Bucket: "race", Prefix: `repo/.stowage/${key}` }))).Versions).toHaveLength(8);
        for (const s of stores) expect((await s.readFirst(key))!.toString()).toBe(`writer ${winner}`);
      }
    } finally {
      for (const s of stores) s.close();
    }
  });

  it("refuses a bucket that keeps no versions, naming the fix", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "unversioned" }));
    await s3.send(new PutObjectCommand({ Bucket: "unversioned", Key: "images/a.jpg", Body: "x" }));
    const r = await stowage({ flags: ["--endpoint", rgw.endpoint], env } as unknown as Place, ["data", "commit", "s3://unversioned/images"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("does not keep versions");
    expect(r.stderr).toContain("Enable versioning");
  });
});
