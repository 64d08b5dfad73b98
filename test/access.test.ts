/**
 * Access is proven, not eyeballed: the policies the prod program generated (team roles, the uploader, the bucket
 * policy) are evaluated by an IAM policy simulator (@cloud-copilot/iam-simulate, AGPL: a devDependency, tests only).
 */
import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { parseStackConfig, stowageKeys } from "../core/stack/schema.js";
import { evidenceReach, humanDuration, parseDuration, sessionPolicy } from "../datalayer/access.js";
import { simulate } from "./support/iam.js";
import { ACCOUNT, runStack, stackConfig, type PulumiClass } from "./support/pulumi.js";

const prod = await runStack("prod");
const policy = (cls: PulumiClass, name: string) => JSON.parse(prod.one(cls, name).inputs.policy);
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

const images = "arn:aws:s3:::images-bucket";
const claims = "arn:aws:s3:::claims-bucket";
const imagesKey = `arn:aws:kms:us-east-2:${ACCOUNT}:key/images-key`;

interface Request {
  readonly as: "vision" | "ingest" | "claims" | "ml" | "cameras" | "outsider";
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  /** Leave out the TLS and encryption headers a well-behaved client sends. */
  readonly bare?: boolean;
  /** Judge with this identity policy instead of the role's own from the prod stack. */
  readonly identityPolicy?: unknown;
}

const ROLES: Record<Request["as"], { principal: string; policy: unknown }> = {
  vision: { principal: roleArn("team-vision-role"), policy: policy(aws.iam.RolePolicy, "team-vision-policy") },
  ingest: { principal: roleArn("team-ingest-role"), policy: policy(aws.iam.RolePolicy, "team-ingest-policy") },
  claims: { principal: roleArn("team-claims-role"), policy: policy(aws.iam.RolePolicy, "team-claims-policy") },
  ml: { principal: roleArn("team-ml-role"), policy: policy(aws.iam.RolePolicy, "team-ml-policy") },
  cameras: { principal: roleArn("uploader-cameras-role"), policy: policy(aws.iam.RolePolicy, "uploader-cameras-policy") },
  // Another account whose own IAM policy grants it everything on the bucket.
  outsider: {
    principal: "arn:aws:iam::999999999999:role/outsider",
    policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: [images, `${images}/*`] }] },
  },
};

async function decide(r: Request): Promise<string> {
  const role = ROLES[r.as];
  const bucketArn = r.resource.startsWith(claims) ? claims : images;
  const bucketPolicy = policy(aws.s3.BucketPolicy, bucketArn === claims ? "claims-policy" : "images-policy");
  const upload = r.action === "s3:PutObject";
  const context: Record<string, string | string[]> = {
    "aws:PrincipalAccount": role.principal.split(":")[4]!,
    ...(r.bare ? {} : { "aws:SecureTransport": "true", "s3:TlsVersion": "1.3" }),
    ...(upload && !r.bare
      ? {
          "s3:x-amz-server-side-encryption": "aws:kms",
          "s3:x-amz-server-side-encryption-aws-kms-key-id": bucketArn === images ? imagesKey : `arn:aws:kms:us-east-2:${ACCOUNT}:key/claims-key`,
        }
      : {}),
    ...r.context,
  };
  return simulate({
    principal: role.principal,
    action: r.action,
    resource: r.resource,
    identityPolicy: r.identityPolicy ?? role.policy,
    resourcePolicy: bucketPolicy,
    context,
  });
}

describe("team roles", () => {
  it("let a team read and write its own prefixes", async () => {
    expect(await decide({ as: "vision", action: "s3:PutObject", resource: `${images}/processed/cam-7/frame.jpg` })).toBe("Allowed");
    expect(await decide({ as: "vision", action: "s3:GetObject", resource: `${images}/processed/cam-7/frame.jpg` })).toBe("Allowed");
    expect(await decide({ as: "vision", action: "s3:ListBucket", resource: images, context: { "s3:prefix": "processed/cam-7/" } })).toBe("Allowed");
    expect(await decide({ as: "ingest", action: "s3:DeleteObject", resource: `${images}/uploads/cameras/1.jpg` })).toBe("Allowed");
  });

  it("give nothing of another team's prefixes", async () => {
    expect(await decide({ as: "vision", action: "s3:GetObject", resource: `${images}/training/set-1/a.jpg` })).toBe("ImplicitlyDenied");
    expect(await decide({ as: "vision", action: "s3:PutObject", resource: `${images}/training/set-1/a.jpg` })).toBe("ImplicitlyDenied");
    expect(await decide({ as: "vision", action: "s3:ListBucket", resource: images, context: { "s3:prefix": "training/" } })).toBe("ImplicitlyDenied");
    expect(await decide({ as: "vision", action: "s3:ListBucket", resource: images, context: { "s3:prefix": "" } })).toBe("ImplicitlyDenied");
    expect(await decide({ as: "vision", action: "s3:DeleteObject", resource: `${images}/processed/a.jpg` })).toBe("ImplicitlyDenied"); // write, not admin
    expect(await decide({ as: "claims", action: "s3:GetObject", resource: `${images}/training/set-1/a.jpg` })).toBe("ImplicitlyDenied");
    expect(await decide({ as: "claims", action: "s3:PutObject", resource: `${images}/processed/a.jpg` })).toBe("ImplicitlyDenied");
    expect(await decide({ as: "ml", action: "s3:PutObject", resource: `${images}/training/a.jpg` })).toBe("ImplicitlyDenied"); // read only
    expect(await decide({ as: "ml", action: "s3:GetObject", resource: `${images}/training/a.jpg` })).toBe("Allowed");
  });
});

describe("a team's input prefixes (reads: the data layer's stowage run)", () => {
  it("are read by every version and listed, and only their .stowage/ commits are written", async () => {
    expect(await decide({ as: "vision", action: "s3:GetObjectVersion", resource: `${images}/uploads/cameras/cam-7/1.jpg` })).toBe("Allowed");
    expect(await decide({ as: "vision", action: "s3:ListBucketVersions", resource: images, context: { "s3:prefix": "uploads/" } })).toBe("Allowed");
    expect(await decide({ as: "vision", action: "s3:PutObject", resource: `${images}/uploads/.stowage/refs/main/9999999999998.json` })).toBe("Allowed");
    expect(await decide({ as: "vision", action: "s3:PutObject", resource: `${images}/uploads/cameras/cam-7/1.jpg` })).toBe("ImplicitlyDenied");
    expect(await decide({ as: "vision", action: "s3:DeleteObject", resource: `${images}/uploads/.stowage/refs/main/9999999999998.json` })).toBe(
      "ImplicitlyDenied",
    );
    expect(await decide({ as: "vision", action: "s3:DeleteObjectVersion", resource: `${images}/uploads/cameras/cam-7/1.jpg` })).toBe("ImplicitlyDenied");
    expect(await decide({ as: "ml", action: "s3:GetObjectVersion", resource: `${images}/uploads/cameras/cam-7/1.jpg` })).toBe("ImplicitlyDenied");
  });
});

describe("a team's read-only prefixes (readOnly: prod's claims team, for stowage evidence)", () => {
  it("are read by every version and listed, and never written, not even the data layer's records", async () => {
    for (const key of [
      "uploads/cameras/home-42/cam-1/1.jpg",
      "uploads/.stowage/refs/main/9999999999998.json",
      "processed/.stowage/runs/r.json",
      "audit/.stowage/grants/g.json",
    ])
      expect(await decide({ as: "claims", action: "s3:GetObjectVersion", resource: `${images}/${key}` }), key).toBe("Allowed");
    expect(await decide({ as: "claims", action: "s3:ListBucketVersions", resource: images, context: { "s3:prefix": "uploads/.stowage/refs/main/" } })).toBe(
      "Allowed",
    );
    for (const key of [
      "uploads/.stowage/refs/main/9999999999998.json",
      "uploads/cameras/home-42/cam-1/1.jpg",
      "processed/.stowage/runs/r.json",
      "audit/.stowage/grants/g.json",
    ])
      for (const action of ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"])
        expect(await decide({ as: "claims", action, resource: `${images}/${key}` }), `${action} ${key}`).toBe("ImplicitlyDenied");
    // Its own bucket's prefix is still its own to write.
    expect(await decide({ as: "claims", action: "s3:PutObject", resource: `${claims}/claims/7731/report.pdf` })).toBe("Allowed");
  });
});

describe("the camera uploader", () => {
  it("can put under uploads/cameras/ and nothing else, not even read back", async () => {
    expect(await decide({ as: "cameras", action: "s3:PutObject", resource: `${images}/uploads/cameras/cam-7/1.jpg` })).toBe("Allowed");
    expect(await decide({ as: "cameras", action: "s3:GetObject", resource: `${images}/uploads/cameras/cam-7/1.jpg` })).toBe("ImplicitlyDenied");
    expect(await decide({ as: "cameras", action: "s3:PutObject", resource: `${images}/uploads/partners/1.jpg` })).toBe("ImplicitlyDenied");
    expect(await decide({ as: "cameras", action: "s3:PutObject", resource: `${images}/processed/1.jpg` })).toBe("ImplicitlyDenied");
    expect(await decide({ as: "cameras", action: "s3:ListBucket", resource: images, context: { "s3:prefix": "uploads/cameras/" } })).toBe("ImplicitlyDenied");
    expect(await decide({ as: "cameras", action: "s3:DeleteObject", resource: `${images}/uploads/cameras/cam-7/1.jpg` })).toBe("ImplicitlyDenied");
  });

  it("uploads into the storage class the plan chose, and no other", async () => {
    // prod's class is STANDARD: no header (S3's default) or STANDARD, nothing colder the plan did not price.
    const put = (context: Record<string, string>) =>
      decide({ as: "cameras", action: "s3:PutObject", resource: `${images}/uploads/cameras/cam-7/1.jpg`, context });
    expect(await put({ "s3:x-amz-storage-class": "STANDARD" })).toBe("Allowed");
    expect(await put({ "s3:x-amz-storage-class": "DEEP_ARCHIVE" })).toBe("ImplicitlyDenied");
    // A stack the planner set to Glacier Instant Retrieval: the header is required, and must name that class.
    // Its lifecycle starts from Glacier IR, as the planner writes one: only colder classes from there.
    const gir = await runStack("prod", {
      ...stackConfig("prod"),
      "stowage:uploadStorageClass": "GLACIER_IR",
      "stowage:lifecycle": [{ afterDays: 180, storageClass: "DEEP_ARCHIVE" }],
    });
    const camerasPolicy = JSON.parse(gir.one(aws.iam.RolePolicy, "uploader-cameras-policy").inputs.policy);
    const girPut = async (context: Record<string, string>) =>
      await decide({ as: "cameras", action: "s3:PutObject", resource: `${images}/uploads/cameras/cam-7/1.jpg`, context, identityPolicy: camerasPolicy });
    expect(await girPut({ "s3:x-amz-storage-class": "GLACIER_IR" })).toBe("Allowed");
    expect(await girPut({})).toBe("ImplicitlyDenied");
    expect(await girPut({ "s3:x-amz-storage-class": "STANDARD" })).toBe("ImplicitlyDenied");
  });
});

describe("the bucket policy", () => {
  it("denies a request without TLS, whatever the role may do", async () => {
    expect(await decide({ as: "vision", action: "s3:GetObject", resource: `${images}/processed/a.jpg`, context: { "aws:SecureTransport": "false" } })).toBe(
      "ExplicitlyDenied",
    );
    expect(await decide({ as: "vision", action: "s3:GetObject", resource: `${images}/processed/a.jpg`, context: { "s3:TlsVersion": "1.1" } })).toBe(
      "ExplicitlyDenied",
    );
    // No aws:SecureTransport at all: what Ceph RGW sends for plain HTTP (AWS always sets the key).
    expect(await decide({ as: "vision", action: "s3:GetObject", resource: `${images}/processed/a.jpg`, bare: true, context: { "s3:TlsVersion": "1.3" } })).toBe(
      "ExplicitlyDenied",
    );
    expect(await decide({ as: "vision", action: "s3:GetObject", resource: `${images}/processed/a.jpg` })).toBe("Allowed");
  });

  it("denies an unencrypted upload, an SSE-S3 upload, and one with another KMS key", async () => {
    expect(
      await decide({
        as: "cameras",
        action: "s3:PutObject",
        resource: `${images}/uploads/cameras/1.jpg`,
        bare: true,
        context: { "aws:SecureTransport": "true", "s3:TlsVersion": "1.3" },
      }),
    ).toBe("ExplicitlyDenied");
    expect(
      await decide({
        as: "cameras",
        action: "s3:PutObject",
        resource: `${images}/uploads/cameras/1.jpg`,
        context: { "s3:x-amz-server-side-encryption": "AES256" },
      }),
    ).toBe("ExplicitlyDenied");
    expect(
      await decide({
        as: "cameras",
        action: "s3:PutObject",
        resource: `${images}/uploads/cameras/1.jpg`,
        context: { "s3:x-amz-server-side-encryption-aws-kms-key-id": `arn:aws:kms:us-east-2:${ACCOUNT}:key/someone-elses` },
      }),
    ).toBe("ExplicitlyDenied");
  });

  it("denies principals outside the account even when their own policy allows everything", async () => {
    expect(await decide({ as: "outsider", action: "s3:GetObject", resource: `${images}/processed/a.jpg` })).toBe("ExplicitlyDenied");
  });
});

describe("a per-household grant (stowage access grant): the claims role narrowed by a session policy", () => {
  const claimsPolicy = policy(aws.iam.RolePolicy, "team-claims-policy");
  const imagesPolicy = policy(aws.s3.BucketPolicy, "images-policy");
  const claimsBucketPolicy = policy(aws.s3.BucketPolicy, "claims-policy");
  const asSession = async (sessionPolicy: unknown, action: string, resource: string, context: Record<string, string> = {}) =>
    simulate({
      principal: roleArn("team-claims-role"),
      action,
      resource,
      identityPolicy: claimsPolicy,
      resourcePolicy: resource.startsWith(claims) ? claimsBucketPolicy : imagesPolicy,
      sessionPolicy,
      context: { "aws:PrincipalAccount": ACCOUNT, "aws:SecureTransport": "true", "s3:TlsVersion": "1.3", ...context },
    });
  const home42 = sessionPolicy("images-bucket", "uploads/home-42/", "read");

  it("reaches that household's images, every version, and lists only them", async () => {
    expect(await asSession(home42, "s3:GetObjectVersion", `${images}/uploads/home-42/cam-1/frame.jpg`)).toBe("Allowed");
    expect(await asSession(home42, "s3:GetObject", `${images}/uploads/home-42/cam-1/frame.jpg`)).toBe("Allowed");
    expect(await asSession(home42, "s3:ListBucketVersions", images, { "s3:prefix": "uploads/home-42/" })).toBe("Allowed");
  });

  it("reaches no other household, nothing else of the role's, and nothing the role itself lacks", async () => {
    expect(await asSession(undefined, "s3:GetObject", `${images}/uploads/home-43/cam-1/frame.jpg`)).toBe("Allowed"); // the role alone could
    expect(await asSession(home42, "s3:GetObject", `${images}/uploads/home-43/cam-1/frame.jpg`)).toBe("ImplicitlyDenied");
    expect(await asSession(home42, "s3:GetObject", `${images}/uploads/home-420/frame.jpg`)).toBe("ImplicitlyDenied"); // a prefix, not a string prefix
    expect(await asSession(home42, "s3:ListBucket", images, { "s3:prefix": "uploads/" })).toBe("ImplicitlyDenied");
    expect(await asSession(home42, "s3:GetObject", `${claims}/claims/7731/report.pdf`)).toBe("ImplicitlyDenied"); // the role's own prefix
    expect(
      await asSession(home42, "s3:PutObject", `${images}/uploads/home-42/x.jpg`, {
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": imagesKey,
      }),
    ).toBe("ImplicitlyDenied");
    // --write asks for uploads, but the role reads uploads/ only: the session cannot exceed it.
    const write = sessionPolicy("images-bucket", "uploads/home-42/", "write");
    expect(
      await asSession(write, "s3:PutObject", `${images}/uploads/home-42/x.jpg`, {
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": imagesKey,
      }),
    ).toBe("ImplicitlyDenied");
    // A grant on a prefix the role never had gives nothing.
    expect(await asSession(sessionPolicy("images-bucket", "training/set-1/", "read"), "s3:GetObject", `${images}/training/set-1/a.jpg`)).toBe(
      "ImplicitlyDenied",
    );
  });

  it("with what `access grant --to` adds for `stowage evidence`: the records and the household's outputs, read only", async () => {
    const cfg = parseStackConfig(stowageKeys(stackConfig("prod")));
    const reach = evidenceReach(
      "images-bucket",
      "uploads/cameras/home-42/",
      cfg.households!,
      cfg.pipelines.map((p) => p.output),
      "s3://images-bucket/audit",
    );
    const granted = sessionPolicy("images-bucket", "uploads/cameras/home-42/", "read", true, reach);
    for (const key of [
      "uploads/.stowage/commits/c.json",
      "processed/labels/.stowage/runs/r.json",
      "audit/.stowage/grants/g.json",
      "processed/cameras/home-42/cam-1/frame.json",
      "processed/labels/cameras/home-42/cam-1/frame.txt",
    ])
      expect(await asSession(granted, "s3:GetObjectVersion", `${images}/${key}`), key).toBe("Allowed");
    expect(await asSession(granted, "s3:ListBucket", images, { "s3:prefix": "processed/labels/.stowage/runs/" })).toBe("Allowed");
    for (const key of [
      "processed/labels/cameras/home-43/cam-1/frame.txt",
      "processed/cameras/home-420/frame.json",
      "uploads/cameras/home-43/a.jpg",
      "training/cameras/home-42/a.jpg",
    ])
      expect(await asSession(granted, "s3:GetObjectVersion", `${images}/${key}`), key).toBe("ImplicitlyDenied");
    expect(await asSession(granted, "s3:ListBucket", images, { "s3:prefix": "processed/" })).toBe("ImplicitlyDenied");
    expect(
      await asSession(granted, "s3:PutObject", `${images}/uploads/.stowage/refs/main/9999999999990.json`, {
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": imagesKey,
      }),
    ).toBe("ImplicitlyDenied");
  });

  it("refuses prefixes that would grant more than one household", () => {
    for (const bad of ["", "uploads", "/uploads/home-1/", "uploads/../claims/"])
      expect(() => sessionPolicy("images-bucket", bad, "read")).toThrow(/not a prefix to grant/);
  });
});

// Each case starts the built command a few times; sized for a machine loaded by others (a start took 14 s here).
describe("stowage access grant, the built command: one household as the stack declares them, a reason, a duration", { timeout: 300_000 }, () => {
  const grant = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ["dist/bundle/cli.js", "access", "grant", ...args],
        {
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: "x",
            AWS_SECRET_ACCESS_KEY: "y",
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_ENDPOINT_URL: "http://127.0.0.1:1",
          },
        },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  const urls = (prefix: string, ...more: string[]) => grant("--stack", "prod", "--bucket", "images-bucket", "--prefix", prefix, "--urls", ...more);

  it("refuses the parent of every household, and anything outside them, naming the depth and an example", async () => {
    const above = await urls("uploads/", "--for", "1h", "--reason", "claim 7731");
    expect(above.code).toBe(2);
    expect(above.stderr).toBe(
      "stowage: --prefix uploads/ is above one household: the stack's households are uploads/<…>/<household>/, 2 folders below uploads/, and a grant names one of them.\nGive one household's folder, e.g. --prefix uploads/cameras/home-42/\n",
    );
    const outside = await urls("processed/home-42/", "--for", "1h", "--reason", "claim 7731");
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain("--prefix processed/home-42/ is not a household's folder: the stack's households are uploads/<…>/<household>/.");
  });

  // prod's uploaders write uploads/cameras/<household>/… (and uploads/partners/…), as the pipeline's glob reads
  // them: the camera uploader's folder holds every household's images, so it is no household (#22 item 8).
  it("refuses an uploader's folder, and takes one household under it", async () => {
    const cameras = await urls("uploads/cameras/", "--for", "1h", "--reason", "claim 7731");
    expect(cameras.code).toBe(2);
    expect(cameras.stderr).toBe(
      "stowage: --prefix uploads/cameras/ is above one household: the stack's households are uploads/<…>/<household>/, 2 folders below uploads/, and a grant names one of them.\nGive one household's folder, e.g. --prefix uploads/cameras/home-42/\n",
    );
    // Past the household check, to the store (unreachable here: exit 2, with no word about the prefix).
    const one = await urls("uploads/cameras/h123/", "--for", "1h", "--reason", "claim 7731");
    expect(one.code, one.stderr).toBe(2);
    expect(one.stderr).not.toMatch(/--prefix|household/);
  });

  it("requires --reason, and a stack that declares its households", async () => {
    const noReason = await urls("uploads/cameras/home-42/", "--for", "1h");
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/^stowage: grant needs --reason \(the reason is what the audit record is for\)\.\n/);
    const dev = await grant(
      "--stack",
      "dev",
      "--bucket",
      "images-bucket",
      "--prefix",
      "uploads/cameras/home-42/",
      "--urls",
      "--for",
      "1h",
      "--reason",
      "claim 7731",
    );
    expect(dev.code).toBe(2);
    expect(dev.stderr).toContain("Stack dev declares no households");
  });

  it("reads durations as the help writes them and states the bounds in days, hours and minutes", async () => {
    const links = await urls("uploads/cameras/home-42/", "--for", "8d", "--reason", "claim 7731");
    expect(links.code).toBe(2);
    expect(links.stderr).toContain("--for 8d (8 days) is outside what presigned links (--urls) allow: 1 second to 7 days.");
    const creds = await grant(
      "--stack",
      "prod",
      "--bucket",
      "images-bucket",
      "--prefix",
      "uploads/cameras/home-42/",
      "--to",
      roleArn("team-claims-role"),
      "--for",
      "13h",
      "--reason",
      "claim 7731",
    );
    expect(creds.stderr).toContain("--for 13h (13 hours) is outside what STS credentials (--to) allow: 15 minutes to 12 hours.");
    const words = await urls("uploads/cameras/home-42/", "--for", "1 hour", "--reason", "claim 7731");
    expect(words.stderr).toMatch(/--for 1 hour is not a duration\.\nWrite whole numbers with s, m, h or d, largest first: 90s, 15m, 1h30m, 2d\./);
  });

  it("takes 1h30m, 2d and 7d past every check, to the store (unreachable here: exit 2, nothing granted)", async () => {
    for (const d of ["1h30m", "2d", "7d", "90s"]) {
      const r = await urls("uploads/cameras/home-42/cam-1/", "--for", d, "--reason", "claim 7731");
      expect(r.code, d).toBe(2);
      expect(r.stderr, d).not.toMatch(/--for|--prefix|--reason/);
    }
  });
});

describe("parseDuration and humanDuration", () => {
  it("sum units largest first and name bounds in the largest whole unit", () => {
    expect(parseDuration("1h30m", 1, 86400, "x")).toBe(5400);
    expect(parseDuration("2d", 1, 7 * 86400, "x")).toBe(172800);
    expect(() => parseDuration("30m1h", 1, 86400, "x")).toThrow(/not a duration/);
    expect(() => parseDuration("1.5h", 1, 86400, "x")).toThrow(/not a duration/);
    expect(["1 second", "15 minutes", "12 hours", "7 days", "90 seconds"]).toEqual([1, 900, 43200, 604800, 90].map(humanDuration));
  });
});
