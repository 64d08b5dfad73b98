/**
 * A repository on a bucket that keeps no versions (Ceph RGW with versioning never enabled: what Cloudflare R2 is),
 * through the built command: the same suite as on a versioned bucket and a folder, used content-addressed.
 */
import { CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { dataLayerSuite, stowage, type Place } from "./support/dataSuite.js";
import { INSTALL, describeRealPart } from "./support/realParts.js";
import { rgwClient, rgwCommandEnv, rgwUnavailable, startRgw, type Rgw } from "./support/rgw.js";

const split = (repo: string, path: string) => {
  const [bucket, ...prefix] = repo.slice("s3://".length).split("/");
  return { Bucket: bucket!, Key: [...prefix, path].join("/") };
};
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describeRealPart("repositories on an unversioned bucket (Ceph RGW)", rgwUnavailable(), INSTALL.rgw, () => {
  let rgw: Rgw;
  let s3: S3Client;
  let cases = 0;
  const env = rgwCommandEnv();
  beforeAll(() => {
    rgw = startRgw(7480);
    s3 = rgwClient(rgw);
  }, 240_000);
  afterAll(() => {
    s3?.destroy();
    rgw?.stop();
  });

  const unversioned = async (): Promise<Place> => {
    const bucket = `flat-${++cases}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket })); // versioning never enabled
    return {
      repo: (name) => `s3://${bucket}/${name}`,
      flags: ["--endpoint", rgw.endpoint, "--region", "us-east-1"],
      env,
      guarantee: "conditional-write",
      mode: "content-addressed",
      async put(repo, path, body) {
        await s3.send(new PutObjectCommand({ ...split(repo, path), Body: body }));
        return sha(body); // the version a commit pins: the content address
      },
      async remove(repo, path) {
        await s3.send(new DeleteObjectCommand(split(repo, path)));
      },
      async versions(repo, path) {
        return await s3.send(new HeadObjectCommand(split(repo, path))).then(
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
    const { Bucket, Key } = split(repo, `.stowage/objects/${sha(body).slice(0, 2)}/${sha(body)}`);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key }))).ContentLength).toBe(body.length);
    const caps = JSON.parse(
      Buffer.from(
        await (
          await s3.send(new (await import("@aws-sdk/client-s3")).GetObjectCommand(split(repo, ".stowage/capabilities.json")))
        ).Body!.transformToByteArray(),
      ).toString(),
    );
    expect(caps).toMatchObject({ guarantee: "conditional-write", mode: "content-addressed" });
  });
});
