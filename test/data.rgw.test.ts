/**
 * The data layer on a real S3 implementation: prefixes of versioned buckets on Ceph RADOS Gateway, through the built
 * command with --endpoint — the same suite and the same command lines as on a local folder. Also pins down what this
 * store guarantees for concurrent branch updates (it ignores If-None-Match on versioned buckets).
 */
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { expect, it } from "vitest";
import * as aws from "@pulumi/aws";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runPipeline } from "../datalayer/run.js";
import { openS3 } from "../datalayer/s3Store.js";
import { simulate } from "./support/iam.js";
import { ACCOUNT, runStack } from "./support/pulumi.js";
import { packageRoot } from "../core/paths.js";

/** Grants are checked against prod's households (uploads/<uploader>/<household>/). */
const PROD = ["--stack", "prod", "--stack-dir", packageRoot()];
import { dataLayerSuite, stowage, type Place } from "./support/dataSuite.js";
import { RGW_USER, describeRgw, objectAt, rgwClient, versionedBucket } from "./support/rgw.js";

describeRgw("stowage data and stowage run on Ceph RGW", { sts: true }, ({ rgw, s3, env, flags }) => {
  let cases = 0;

  dataLayerSuite(async () => {
    // Each case in a new versioned bucket.
    const bucket = `data-${++cases}`;
    await versionedBucket(s3, bucket);
    return {
      repo: (name) => `s3://${bucket}/${name}`,
      flags,
      env,
      guarantee: "first-version-wins",
      async put(repo, path, body) {
        return (await s3.send(new PutObjectCommand({ ...objectAt(repo, path), Body: body }))).VersionId!;
      },
      async remove(repo, path) {
        await s3.send(new DeleteObjectCommand(objectAt(repo, path)));
      },
      async versions(repo, path) {
        const { Bucket, Key } = objectAt(repo, path);
        return ((await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: Key }))).Versions ?? []).filter((v) => v.Key === Key).length;
      },
    };
  });

  it("lets exactly one of many concurrent writers create a ref entry, though RGW accepts every write", async () => {
    await versionedBucket(s3, "race");
    const stores = Array.from({ length: 8 }, () => openS3("race", "repo/", { endpoint: rgw.endpoint, region: "us-east-1" }));
    process.env.AWS_ACCESS_KEY_ID = RGW_USER.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = RGW_USER.secretAccessKey;
    try {
      expect(await stores[0]!.guarantee()).toBe("first-version-wins");
      for (let round = 0; round < 5; round++) {
        const key = `refs/main/${round}.json`;
        const results = await Promise.all(stores.map((s, i) => s.createMeta(key, Buffer.from(`writer ${i}`), true)));
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

  it("needs nothing the prod stack's vision role does not grant: every S3 call of a real run, judged by the IAM simulator", async () => {
    await versionedBucket(s3, "images");
    for (let i = 0; i < 4; i++) await s3.send(new PutObjectCommand({ Bucket: "images", Key: `uploads/cameras/cam-${i}/1.jpg`, Body: `frame ${i}` }));
    process.env.AWS_ACCESS_KEY_ID = RGW_USER.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = RGW_USER.secretAccessKey;
    const calls: { command: string; input: Record<string, string | undefined> }[] = [];
    const send = S3Client.prototype.send;
    S3Client.prototype.send = function (this: S3Client, command: any, ...rest: any[]) {
      calls.push({ command: command.constructor.name, input: command.input });
      return (send as any).call(this, command, ...rest);
    } as typeof send;
    // SSE-KMS as on AWS: RGW's test KMS key stands for the bucket's key.
    const opts = { endpoint: rgw.endpoint, region: "us-east-1", kmsKeyId: "testkey-1" };
    const [input, output] = [openS3("images", "uploads/", opts), openS3("images", "processed/", opts)];
    try {
      const first = await runPipeline({ input, output, glob: "/*/*", command: ["sh", "-c", 'cp -r "$STOWAGE_IN"/. "$STOWAGE_OUT"'], codeVersion: "v1" });
      expect(first.status).toBe("ok");
      const { whyOf } = { whyOf: (await import("../datalayer/why.js")).why };
      await whyOf(output, "cameras/cam-2/1.jpg", "main", async () => openS3("images", "uploads/", opts));
    } finally {
      S3Client.prototype.send = send;
      input.close();
      output.close();
    }

    // What each call is in IAM terms (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
    const images = "arn:aws:s3:::images-bucket";
    const asIam = ({ command, input }: (typeof calls)[number]) => {
      switch (command) {
        case "ListObjectVersionsCommand":
          return { action: "s3:ListBucketVersions", resource: images, context: { "s3:prefix": input.Prefix ?? "" } as Record<string, string> };
        case "ListObjectsV2Command":
          return { action: "s3:ListBucket", resource: images, context: { "s3:prefix": input.Prefix ?? "" } };
        case "GetObjectCommand":
        case "HeadObjectCommand":
          return { action: input.VersionId ? "s3:GetObjectVersion" : "s3:GetObject", resource: `${images}/${input.Key}`, context: {} };
        case "PutObjectCommand":
          return {
            action: "s3:PutObject",
            resource: `${images}/${input.Key}`,
            context: {
              ...(input.ServerSideEncryption ? { "s3:x-amz-server-side-encryption": input.ServerSideEncryption } : {}),
              ...(input.SSEKMSKeyId === "testkey-1"
                ? { "s3:x-amz-server-side-encryption-aws-kms-key-id": `arn:aws:kms:us-east-2:${ACCOUNT}:key/images-key` }
                : {}),
            } as Record<string, string>,
          };
        default:
          throw new Error(`the run made a call this test does not know: ${command}`);
      }
    };
    const prod = await runStack("prod");
    const identityPolicy = JSON.parse(prod.one(aws.iam.RolePolicy, "team-vision-policy").inputs.policy);
    const resourcePolicy = JSON.parse(prod.one(aws.s3.BucketPolicy, "images-policy").inputs.policy);
    const kinds = new Set<string>();
    for (const call of calls) {
      const { action, resource, context } = asIam(call);
      kinds.add(action);
      const decision = await simulate({
        principal: `arn:aws:iam::${ACCOUNT}:role/team-vision-role`,
        action,
        resource,
        identityPolicy,
        resourcePolicy,
        context: { "aws:PrincipalAccount": ACCOUNT, "aws:SecureTransport": "true", "s3:TlsVersion": "1.3", ...context },
      });
      expect(decision, `${action} ${resource} ${JSON.stringify(context)}`).toBe("Allowed");
    }
    expect([...kinds].sort()).toEqual(["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions", "s3:PutObject"]);
    // And every write landed in processed/ or in a .stowage/ folder.
    for (const c of calls.filter((c) => c.command === "PutObjectCommand")) expect(c.input.Key).toMatch(/^(processed\/|uploads\/\.stowage\/)/);
  }, 120_000);

  it("grants one household's images as links to exactly today's versions, and records the grant first", async () => {
    await versionedBucket(s3, "homes");
    await s3.send(new PutObjectCommand({ Bucket: "homes", Key: "uploads/cameras/home-42/cam-1/a.jpg", Body: "old" }));
    await s3.send(new PutObjectCommand({ Bucket: "homes", Key: "uploads/cameras/home-42/cam-1/a.jpg", Body: "the frame the claim is about" }));
    await s3.send(new PutObjectCommand({ Bucket: "homes", Key: "uploads/cameras/home-43/cam-1/b.jpg", Body: "another household" }));
    const place = { flags, env } as unknown as Place;
    const g = await stowage(place, [
      "access",
      "grant",
      ...PROD,
      "--bucket",
      "homes",
      "--prefix",
      "uploads/cameras/home-42/",
      "--urls",
      "--for",
      "2d",
      "--reason",
      "claim 7731",
      "--json",
    ]);
    expect(g.code, g.stderr).toBe(0);
    expect(g.json.urls.map((u: { path: string }) => u.path)).toEqual(["cam-1/a.jpg"]);
    const res = await fetch(g.json.urls[0].url);
    expect(await res.text()).toBe("the frame the claim is about");
    // The signature covers the key and version: pointed at another household, the link is refused.
    const tampered = await fetch(g.json.urls[0].url.replace("home-42", "home-43").replace("cam-1/a.jpg", "cam-1/b.jpg"));
    expect(tampered.status).toBe(403);
    // A later upload does not change what the link shows.
    await s3.send(new PutObjectCommand({ Bucket: "homes", Key: "uploads/cameras/home-42/cam-1/a.jpg", Body: "overwritten after the grant" }));
    expect(await (await fetch(g.json.urls[0].url)).text()).toBe("the frame the claim is about");

    const log = await stowage(place, ["access", "log", "--bucket", "homes", "--json"]);
    expect(log.json.grants).toEqual([
      expect.objectContaining({
        id: g.json.record.id,
        bucket: "homes",
        prefix: "uploads/cameras/home-42/",
        access: "read",
        reason: "claim 7731",
        mode: "urls",
        objects: [{ path: "cam-1/a.jpg", versionId: g.json.urls[0].versionId }],
      }),
    ]);
    const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: "homes", Prefix: "audit/.stowage/grants/" }))).Versions ?? [];
    expect(versions).toHaveLength(1);

    const bad = await stowage(place, [
      "access",
      "grant",
      ...PROD,
      "--bucket",
      "homes",
      "--prefix",
      "uploads/cameras/home-42/",
      "--to",
      "not-an-arn",
      "--for",
      "1h",
      "--reason",
      "claim 7731",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("not an IAM role ARN");
    const tooLong = await stowage(place, [
      "access",
      "grant",
      ...PROD,
      "--bucket",
      "homes",
      "--prefix",
      "uploads/cameras/home-42/",
      "--urls",
      "--for",
      "30d",
      "--reason",
      "claim 7731",
    ]);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain("--for 30d (30 days) is outside what presigned links (--urls) allow: 1 second to 7 days.");
    // The parent of every household: refused before anything is listed, signed or recorded.
    const everyone = await stowage(place, [
      "access",
      "grant",
      ...PROD,
      "--bucket",
      "homes",
      "--prefix",
      "uploads/",
      "--urls",
      "--for",
      "1h",
      "--reason",
      "claim 7731",
      "--json",
    ]);
    expect(everyone.code).toBe(2);
    expect(everyone.stderr).toContain(
      "--prefix uploads/ is above one household: the stack's households are uploads/<…>/<household>/, 2 folders below uploads/",
    );
    expect(everyone.stdout).not.toContain("X-Amz-Signature");
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: "homes", Prefix: "audit/.stowage/grants/" }))).Versions ?? []).toHaveLength(1);
  });

  it("grants one household through the store's own STS: the narrowed session reads that household and nothing else", async () => {
    // A role like prod's claims role: its ceiling is the bucket's uploads/ (RGW roles are made with radosgw-admin).
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: ["arn:aws:iam:::user/stowage"] }, Action: ["sts:AssumeRole"] }] };
    rgw.admin(["role", "create", "--role-name=claims", "--path=/", `--assume-role-policy-doc=${JSON.stringify(trust)}`]);
    const ceiling = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"],
          Resource: ["arn:aws:s3:::households", "arn:aws:s3:::households/uploads/*"],
        },
      ],
    };
    rgw.admin(["role-policy", "put", "--role-name=claims", "--policy-name=reads-uploads", `--policy-doc=${JSON.stringify(ceiling)}`]);
    await versionedBucket(s3, "households");
    for (const [Key, Body] of [
      ["uploads/cameras/home-42/a.jpg", "home 42"],
      ["uploads/cameras/home-43/b.jpg", "home 43"],
      ["claims/7731.pdf", "claim"],
    ])
      await s3.send(new PutObjectCommand({ Bucket: "households", Key, Body }));

    const place = { flags, env } as unknown as Place;
    const g = await stowage(place, [
      "access",
      "grant",
      ...PROD,
      "--bucket",
      "households",
      "--prefix",
      "uploads/cameras/home-42/",
      "--to",
      "arn:aws:iam:::role/claims",
      "--for",
      "15m",
      "--reason",
      "claim 7731",
      "--json",
    ]);
    expect(g.code, g.stderr).toBe(0);
    expect(g.json.record).toMatchObject({
      mode: "credentials",
      to: "arn:aws:iam:::role/claims",
      prefix: "uploads/cameras/home-42/",
      reason: "claim 7731",
      sessionName: expect.stringMatching(/^stowage-grant-/),
    });
    const c = g.json.credentials;
    const session = new S3Client({
      region: "us-east-1",
      endpoint: rgw.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    const read = async (Key: string) => {
      try {
        return await (await session.send(new GetObjectCommand({ Bucket: "households", Key }))).Body!.transformToString();
      } catch (err) {
        return (err as { name: string }).name;
      }
    };
    try {
      expect(await read("uploads/cameras/home-42/a.jpg")).toBe("home 42");
      expect(await read("uploads/cameras/home-43/b.jpg")).toBe("AccessDenied"); // the role could; the session cannot
      expect(await read("claims/7731.pdf")).toBe("AccessDenied"); // beyond the role itself
      const listed = await session.send(new ListObjectVersionsCommand({ Bucket: "households", Prefix: "uploads/cameras/home-42/" }));
      expect(listed.Versions?.map((v) => v.Key)).toEqual(["uploads/cameras/home-42/a.jpg"]);
    } finally {
      session.destroy();
    }
    const log = await stowage(place, ["access", "log", "--bucket", "households", "--json"]);
    expect(log.json.grants[0]).toMatchObject({ id: g.json.record.id, mode: "credentials", sessionPolicy: { Statement: expect.any(Array) } });
  });

  it("lets a read-only role read a repository whose store was never remembered (written before capabilities.json)", async () => {
    // A repository as an earlier Stowage left it: commits, but no .stowage/capabilities.json. Its first reader may be a
    // role that cannot write (prod's claims team): probing with writes would be access denied.
    await versionedBucket(s3, "legacy");
    await s3.send(new PutObjectCommand({ Bucket: "legacy", Key: "repo/cam-1/a.jpg", Body: "frame a" }));
    const admin = { flags, env } as unknown as Place;
    expect((await stowage(admin, ["data", "commit", "s3://legacy/repo", "-m", "first"])).code).toBe(0);
    const caps = await s3.send(new ListObjectVersionsCommand({ Bucket: "legacy", Prefix: "repo/.stowage/capabilities.json" }));
    expect(caps.Versions?.length).toBeGreaterThan(0);
    for (const v of caps.Versions ?? []) await s3.send(new DeleteObjectCommand({ Bucket: "legacy", Key: v.Key!, VersionId: v.VersionId! }));

    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: ["arn:aws:iam:::user/stowage"] }, Action: ["sts:AssumeRole"] }] };
    rgw.admin(["role", "create", "--role-name=legacy-reader", "--path=/", `--assume-role-policy-doc=${JSON.stringify(trust)}`]);
    const readOnly = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"],
          Resource: ["arn:aws:s3:::legacy", "arn:aws:s3:::legacy/repo/*"],
        },
      ],
    };
    rgw.admin(["role-policy", "put", "--role-name=legacy-reader", "--policy-name=reads", `--policy-doc=${JSON.stringify(readOnly)}`]);
    const sts = new STSClient({
      region: "us-east-1",
      endpoint: rgw.endpoint,
      credentials: { accessKeyId: RGW_USER.accessKeyId, secretAccessKey: RGW_USER.secretAccessKey },
    });
    const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam:::role/legacy-reader", RoleSessionName: "reader" }));
    sts.destroy();
    const reader = {
      flags: admin.flags,
      env: { ...env, AWS_ACCESS_KEY_ID: c!.AccessKeyId!, AWS_SECRET_ACCESS_KEY: c!.SecretAccessKey!, AWS_SESSION_TOKEN: c!.SessionToken! },
    } as unknown as Place;

    const versions = async () =>
      ((await s3.send(new ListObjectVersionsCommand({ Bucket: "legacy", Prefix: "repo/" }))).Versions ?? []).map((v) => `${v.Key} ${v.VersionId}`).sort();
    const before = await versions();
    // The role cannot write: the probe's PutObject would be refused.
    const asReader = rgwClient(rgw, { credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! } });
    await expect(asReader.send(new PutObjectCommand({ Bucket: "legacy", Key: "repo/.stowage/probe", Body: "x" }))).rejects.toMatchObject({
      name: "AccessDenied",
    });
    asReader.destroy();
    const log = await stowage(reader, ["data", "log", "s3://legacy/repo", "--json"]);
    expect(log.code, log.stderr).toBe(0);
    expect(log.json.commits.map((x: { message: string }) => x.message)).toEqual(["first"]);
    const to = mkdtempSync(join(tmpdir(), "stowage-legacy-"));
    const co = await stowage(reader, ["data", "checkout", "s3://legacy/repo", "main", "--to", to]);
    expect(co.code, co.stderr).toBe(0);
    expect(readFileSync(join(to, "cam-1", "a.jpg"), "utf8")).toBe("frame a");
    // The reader wrote nothing: no probe, no capabilities, not one new version.
    expect(await versions()).toEqual(before);
  });

  it("pins the requests a run makes per datum (SDK calls counted), first run and a re-run after 1% changed", async () => {
    await versionedBucket(s3, "counted");
    const N = 120;
    for (let i = 0; i < N; i += 20)
      await Promise.all(
        Array.from({ length: 20 }, (_, j) => s3.send(new PutObjectCommand({ Bucket: "counted", Key: `in/f-${i + j}.jpg`, Body: `frame ${i + j}` }))),
      );
    process.env.AWS_ACCESS_KEY_ID = RGW_USER.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = RGW_USER.secretAccessKey;
    const opts = { endpoint: rgw.endpoint, region: "us-east-1" };
    const calls: string[] = [];
    const send = S3Client.prototype.send;
    S3Client.prototype.send = function (this: S3Client, command: any, ...rest: any[]) {
      calls.push(command.constructor.name);
      return (send as any).call(this, command, ...rest);
    } as typeof send;
    const counted = async () => {
      calls.length = 0;
      const [input, output] = [openS3("counted", "in/", opts), openS3("counted", "out/", opts)];
      try {
        const r = await runPipeline({
          input,
          output,
          command: ["sh", "-c", 'for f in "$STOWAGE_IN"/*; do echo label > "$STOWAGE_OUT/$(basename "$f").txt"; done'],
          codeVersion: "v1",
          parallel: 4,
        });
        expect(r.status).toBe("ok");
        console.log(
          Object.entries(calls.reduce<Record<string, number>>((m, c) => ((m[c] = (m[c] ?? 0) + 1), m), {}))
            .map(([c, n]) => `${c} ${n}`)
            .join(", "),
        );
        return {
          requests: calls.length,
          heads: calls.filter((c) => c === "HeadObjectCommand").length,
          puts: calls.filter((c) => c === "PutObjectCommand").length,
          datums: r.datums,
        };
      } finally {
        input.close();
        output.close();
      }
    };
    try {
      await counted(); // the repository's first run: probes the store once, remembered from then on
      for (let i = 0; i < N; i++) await s3.send(new PutObjectCommand({ Bucket: "counted", Key: `in/g-${i}.jpg`, Body: `frame g${i}` }));
      const first = await counted(); // N new datums beside N done before
      const changed = Math.ceil((2 * N) / 100);
      for (let i = 0; i < changed; i++) await s3.send(new PutObjectCommand({ Bucket: "counted", Key: `in/g-${i}.jpg`, Body: `frame g${i} changed` }));
      const again = await counted(); // 1% changed
      console.log(
        `requests: ${first.requests} for ${first.datums.processed} processed + ${first.datums.skipped} skipped datums; ${again.requests} for ${again.datums.processed} processed + ${again.datums.skipped} skipped`,
      );
      expect(first.datums.processed).toBe(N);
      expect(again.datums.processed).toBe(changed);
      // 2 per processed datum (input GET, output PUT: no HEAD before a new output, datum records written in batches,
      // one PUT per 1,000), none per skipped one (their records come from one listing and one GET per batch), and the
      // run's own (input commit, probe remembered, listings, output commit, run record): RUN_OWN at most.
      // Measured 28–30 here; a batch of records is also written every 10 s of a run (a PUT, and a GET by the next run).
      const RUN_OWN = 40;
      expect(first.heads).toBe(0);
      expect(first.requests).toBeLessThanOrEqual(2 * first.datums.processed + RUN_OWN);
      expect(again.requests).toBeLessThanOrEqual(2 * again.datums.processed + RUN_OWN);
      expect(again.puts).toBeLessThanOrEqual(2 * again.datums.processed + 8); // no probe writes: the store was probed once
    } finally {
      S3Client.prototype.send = send;
    }
  }, 300_000);

  it("writes an output once: the same bytes again reuse the current version (a datum re-run after a kill)", async () => {
    await versionedBucket(s3, "outputs");
    process.env.AWS_ACCESS_KEY_ID = RGW_USER.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = RGW_USER.secretAccessKey;
    const out = openS3("outputs", "processed/", { endpoint: rgw.endpoint, region: "us-east-1" });
    const dir = mkdtempSync(join(tmpdir(), "stowage-once-"));
    const file = (body: string) => {
      const f = join(dir, `${Math.random()}`);
      writeFileSync(f, body);
      return f;
    };
    try {
      const first = await out.upload("a.txt", file("label 1"));
      const again = await out.upload("a.txt", file("label 1"));
      const changed = await out.upload("a.txt", file("label 2"));
      expect(again.version).toBe(first.version);
      expect(changed.version).not.toBe(first.version);
      const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: "outputs", Prefix: "processed/a.txt" }))).Versions ?? [];
      expect(versions).toHaveLength(2);
    } finally {
      out.close();
    }
  });

  it("uses a bucket that keeps no versions content-addressed (#27; test/stores.rgw.test.ts runs the whole suite there)", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "unversioned" }));
    await s3.send(new PutObjectCommand({ Bucket: "unversioned", Key: "images/a.jpg", Body: "x" }));
    const r = await stowage({ flags: ["--endpoint", rgw.endpoint], env } as unknown as Place, ["data", "commit", "s3://unversioned/images", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ mode: "content-addressed", guarantee: "conditional-write", files: 1 });
  });
});
