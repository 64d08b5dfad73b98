/**
 * Issue #28 on a real S3 implementation (Ceph RGW, versioned buckets), through the built command: the same scenario
 * as on a folder, with two real grants in the audit log (and one to another household that must stay out), a new
 * version and a delete marker put behind Stowage's back, a version deleted outright, and Object Lock retention
 * removed from one version of a bucket that retains every version.
 */
import { DeleteObjectCommand, PutObjectLockConfigurationCommand, PutObjectRetentionCommand } from "@aws-sdk/client-s3";
import { expect, it } from "vitest";
import { bucketEvidencePlace, evidenceSuite, png, type EvidencePlace } from "./support/evidenceSuite.js";
import { stowage } from "./support/dataSuite.js";
import { describeRgw, objectAt, versionedBucket } from "./support/rgw.js";

describeRgw("stowage evidence and stowage data verify on Ceph RGW", ({ s3, env, flags }) => {
  let cases = 0;

  async function place(lock = false): Promise<EvidencePlace> {
    const bucket = `evidence-${++cases}`;
    await versionedBucket(s3, bucket, lock ? { ObjectLockEnabledForBucket: true } : {});
    if (lock)
      await s3.send(
        new PutObjectLockConfigurationCommand({
          Bucket: bucket,
          ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } } },
        }),
      );
    return bucketEvidencePlace(s3, bucket, (name) => `s3://${bucket}/${name}`, { flags, env });
  }

  evidenceSuite(() => place());

  it("data verify: a pinned version deleted outright is missing; retention removed from one version has lapsed; both named", { timeout: 300_000 }, async () => {
    const p = await place(true);
    const repo = p.repo("uploads");
    const { Bucket } = objectAt(repo, "");
    const a = await p.put(repo, "home-42/a.png", png(10, 20, 30));
    const b = await p.put(repo, "home-42/b.png", png(30, 20, 10));
    expect((await stowage(p, ["data", "commit", repo])).code).toBe(0);
    const clean = await stowage(p, ["data", "verify", repo, "--json"]);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.json).toMatchObject({ ok: true, objects: 2, retention: { mode: "GOVERNANCE", days: 1 } });

    // Governance retention can be lifted by whoever may bypass it: the version stays, its protection does not.
    // Shortened to end in two seconds (a governance bypass may shorten it), then waited out.
    const soon = new Date(Date.now() + 2000);
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket,
        Key: "uploads/home-42/a.png",
        VersionId: a,
        BypassGovernanceRetention: true,
        Retention: { Mode: "GOVERNANCE", RetainUntilDate: soon },
      }),
    );
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket,
        Key: "uploads/home-42/b.png",
        VersionId: b,
        BypassGovernanceRetention: true,
        Retention: { Mode: "GOVERNANCE", RetainUntilDate: soon },
      }),
    );
    await new Promise((r) => setTimeout(r, Math.max(0, soon.getTime() - Date.now()) + 1500));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: "uploads/home-42/b.png", VersionId: b, BypassGovernanceRetention: true }));
    const after = await stowage(p, ["data", "verify", repo]);
    expect(after.code, after.stderr).toBe(4);
    expect(after.stdout).toContain(`retention-lapsed\thome-42/a.png (version ${a})`);
    expect(after.stdout).toContain(`missing\thome-42/b.png (version ${b}): version ${b} is no longer stored`);
  });
});
