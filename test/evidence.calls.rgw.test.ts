/**
 * Which S3 calls `stowage evidence` and `evidence check --repo` really make, recorded on Ceph RGW through a proxy
 * (test/support/recordingProxy.ts), on prod's layout: the households' images in uploads/, a two-stage pipeline's
 * outputs in processed/labels and processed/counts, the grants' audit log in audit/. Then judged by the IAM policy
 * simulator (@cloud-copilot/iam-simulate, AGPL, tests only) with the policies the prod program generates under the
 * engine's mocks: the claims team's role narrowed by the session policy `stowage access grant --to` makes for one
 * household. Every recorded call is allowed for the granted household; the same calls for another household, any
 * write or delete where evidence reads, and the same reads in another bucket are denied. And `evidence check --repo`
 * reads only what the bundle names: its requests are counted, and do not grow with the repository.
 */
import * as aws from "@pulumi/aws";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig, stowageKeys } from "../core/stack/schema.js";
import { evidenceReach, sessionPolicy } from "../datalayer/access.js";
import { stowage } from "./support/dataSuite.js";
import { bucketEvidencePlace, makeBundle, png, PROD, type EvidencePlace } from "./support/evidenceSuite.js";
import { simulate } from "./support/iam.js";
import { ACCOUNT, runStack, stackConfig } from "./support/pulumi.js";
import { iamCall, recordingProxy, type IamCall, type Recorded, type RecordingProxy } from "./support/recordingProxy.js";
import { describeRgw, versionedBucket } from "./support/rgw.js";

const IMAGES = "images-bucket";
const HOME = "uploads/cameras/home-42/";

describeRgw("the S3 calls of stowage evidence, recorded on Ceph RGW and judged under prod's policies", ({ rgw, s3, env, flags }) => {
  let proxy: RecordingProxy;
  const bucket = "calls-1";
  let made: Awaited<ReturnType<typeof makeBundle>>;
  let via: EvidencePlace;
  let evidenceCalls: Recorded[] = [];
  let checkCalls: Recorded[] = [];

  beforeAll(async () => {
    proxy = await recordingProxy(rgw.endpoint);
    await versionedBucket(s3, bucket);
    const p = bucketEvidencePlace(s3, bucket, (name) => `s3://${bucket}/processed/${name}`, { flags, env });
    made = await makeBundle(p);
    // The same commands again, through the proxy, each one's requests taken on its own.
    via = { ...p, flags: ["--endpoint", proxy.endpoint, "--region", "us-east-1"] };
    proxy.take();
    const out = join(mkdtempSync(join(tmpdir(), "stowage-calls-")), "claim-7731");
    const again = await stowage(via, [
      "evidence",
      "--repo",
      `s3://${bucket}/uploads`,
      ...PROD,
      "--household",
      "cameras/home-42",
      "--outputs",
      p.repo("labels"),
      "--outputs",
      p.repo("counts"),
      "--out",
      out,
      "--json",
    ]);
    expect(again.code, again.stderr).toBe(0);
    evidenceCalls = proxy.take();
    const check = await stowage(via, ["evidence", "check", made.bundle, "--repo", `s3://${bucket}/uploads`, "--json"]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    checkCalls = proxy.take();
  }, 600_000);
  afterAll(async () => {
    await proxy?.close();
  });

  describe("under the claims team's role in prod, narrowed to one household by `access grant --to`", () => {
    let judge: (call: IamCall) => Promise<string>;
    let claimsAlone: (call: IamCall) => Promise<string>;
    beforeAll(async () => {
      const prod = await runStack("prod");
      const role = JSON.parse(prod.one(aws.iam.RolePolicy, "team-claims-policy").inputs.policy);
      const bucketPolicies = {
        [IMAGES]: JSON.parse(prod.one(aws.s3.BucketPolicy, "images-policy").inputs.policy),
        "claims-bucket": JSON.parse(prod.one(aws.s3.BucketPolicy, "claims-policy").inputs.policy),
      };
      // The session policy exactly as `stowage access grant --stack prod --bucket images-bucket --prefix … --to …`
      // makes it (audit log at its default, s3://images-bucket/audit; outputs: prod's pipelines).
      const cfg = parseStackConfig(stowageKeys(stackConfig("prod")));
      const session = sessionPolicy(
        IMAGES,
        HOME,
        "read",
        true,
        evidenceReach(
          IMAGES,
          HOME,
          cfg.households!,
          cfg.pipelines.map((p) => p.output),
          `s3://${IMAGES}/audit`,
        ),
      );
      const decide = (sessionPolicy: unknown) => (call: IamCall) =>
        simulate({
          principal: `arn:aws:iam::${ACCOUNT}:role/team-claims-role`,
          action: call.action,
          resource: call.resource,
          identityPolicy: role,
          resourcePolicy: bucketPolicies[call.resource.slice("arn:aws:s3:::".length).split("/")[0] as keyof typeof bucketPolicies],
          ...(sessionPolicy ? { sessionPolicy } : {}),
          context: { "aws:PrincipalAccount": ACCOUNT, "aws:SecureTransport": "true", "s3:TlsVersion": "1.3", ...call.context },
        });
      judge = decide(session);
      claimsAlone = decide(undefined);
    }, 120_000);

    const asProd = (calls: Recorded[], b = IMAGES) => calls.map((r) => iamCall(r, b));
    const decisions = async (calls: IamCall[], by = judge) => {
      const out: [string, string][] = [];
      for (const c of calls) out.push([`${c.action} ${c.resource} ${JSON.stringify(c.context)}`, await by(c)]);
      return out;
    };
    const otherHousehold = (r: Recorded): Recorded => ({
      ...r,
      key: r.key.replace("/home-42/", "/home-43/"),
      query: Object.fromEntries(Object.entries(r.query).map(([k, v]) => [k, v.replace("/home-42/", "/home-43/")])),
    });

    it("evidence reads only: lists and gets, every call known", () => {
      const actions = new Set(asProd([...evidenceCalls, ...checkCalls]).map((c) => c.action));
      expect([...actions].sort()).toEqual(["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"]);
      expect(evidenceCalls.length).toBeGreaterThan(20);
    });

    it("allows every call evidence and evidence check --repo make for the granted household", { timeout: 120_000 }, async () => {
      for (const [call, decision] of await decisions(asProd([...evidenceCalls, ...checkCalls]))) expect(decision, call).toBe("Allowed");
    });

    it("denies the same calls for another household, except the data layer's records, which name no household", { timeout: 120_000 }, async () => {
      const moved = [...evidenceCalls, ...checkCalls].map(otherHousehold).filter((r) => r.key.includes("/home-43/"));
      expect(moved.length).toBeGreaterThanOrEqual(made.json.images.length + made.json.outputs.length);
      for (const [call, decision] of await decisions(asProd(moved))) expect(decision, call).toBe("ImplicitlyDenied");
      // What stays allowed for another household is only records under .stowage/ (commits, run records, grants).
      const same = [...evidenceCalls, ...checkCalls].filter((r) => !r.key.includes("/home-42/"));
      for (const r of same) expect(`${r.key}${r.query.prefix ?? ""}`).toMatch(/\.stowage\//);
    });

    it("denies any write or delete where evidence reads, with the grant and with the role alone", { timeout: 300_000 }, async () => {
      const keys = [...new Set(evidenceCalls.filter((r) => r.key).map((r) => r.key))];
      expect(keys.some((k) => k.startsWith("uploads/.stowage/"))).toBe(true);
      keys.push(
        "uploads/.stowage/refs/main/9999999999990.json",
        "uploads/.stowage/runs/forged.json",
        "uploads/cameras/home-42/new.png",
        "audit/.stowage/grants/forged.json",
      );
      const none: Record<string, string> = {};
      const writes: Recorded[] = keys.flatMap((key) => [
        { method: "PUT", bucket, key, query: none },
        { method: "DELETE", bucket, key, query: none },
        { method: "DELETE", bucket, key, query: { versionId: "v1" } },
      ]);
      const calls = asProd(writes).map((c) =>
        c.action === "s3:PutObject"
          ? {
              ...c,
              context: {
                "s3:x-amz-server-side-encryption": "aws:kms",
                "s3:x-amz-server-side-encryption-aws-kms-key-id": `arn:aws:kms:us-east-2:${ACCOUNT}:key/images-key`,
              },
            }
          : c,
      );
      for (const [call, decision] of await decisions(calls)) expect(decision, call).toBe("ImplicitlyDenied");
      for (const [call, decision] of await decisions(calls, claimsAlone)) expect(decision, call).toBe("ImplicitlyDenied");
    });

    it("denies the same reads in the stack's other bucket, and outside the role's read-only prefixes", { timeout: 120_000 }, async () => {
      for (const [call, decision] of await decisions(asProd(evidenceCalls, "claims-bucket"))) expect(decision, call).toBe("ImplicitlyDenied");
      const training = asProd([{ method: "GET", bucket, key: "training/set-1/cameras/home-42/a.png", query: { versionId: "v1" } }]);
      for (const [call, decision] of await decisions(training)) expect(decision, call).toBe("ImplicitlyDenied");
      for (const [call, decision] of await decisions(training, claimsAlone)) expect(decision, call).toBe("ImplicitlyDenied");
    });
  });

  it("evidence check --repo reads only what the bundle names: a count that grows with the bundle, not the repository", { timeout: 300_000 }, async () => {
    const { images, outputs, runs, grants } = made.json as { images: unknown[]; outputs: unknown[]; runs: unknown[]; grants: unknown[] };
    // Each image: its version (GET) and the current version of its path (HEAD); each output: GET; each run and grant
    // record: its first version (ListObjectVersions on its own key) and GET; and each repository it reads (the images',
    // each stage's outputs, the audit log), once, what its store was found to be (.stowage/capabilities.json).
    const repositories = new Set(checkCalls.filter((c) => c.key?.endsWith("/.stowage/capabilities.json")).map((c) => c.key));
    expect([...repositories].sort()).toEqual(["audit/", "processed/counts/", "processed/labels/", "uploads/"].map((r) => `${r}.stowage/capabilities.json`));
    const expected = 2 * images.length + outputs.length + 2 * runs.length + 2 * grants.length + repositories.size;
    expect(checkCalls.length, checkCalls.map((r) => `${r.method} ${r.key} ${JSON.stringify(r.query)}`).join("\n")).toBe(expected);
    // No listing of a repository's files: the only listings are of one record key each.
    for (const r of checkCalls.filter((c) => !c.key)) expect(r.query.prefix).toMatch(/\.stowage\/(runs|grants)\/[^/]+\.json$/);

    // 120 more objects in the repository, in other households, committed: the same bundle costs the same requests.
    for (let i = 0; i < 120; i++) await via.put(`s3://${bucket}/uploads`, `cameras/home-${100 + i}/cam-1/f.png`, png(i, 0, 0, 4));
    const commit = await stowage(made.place, ["data", "commit", `s3://${bucket}/uploads`, "-m", "more"]);
    expect(commit.code, commit.stderr).toBe(0);
    proxy.take();
    const again = await stowage(via, ["evidence", "check", made.bundle, "--repo", `s3://${bucket}/uploads`, "--json"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(proxy.take().length).toBe(expected);
  });
});
