/**
 * The built `stowage policy`, as a user runs it: on our stacks and on stack exports, on any program given with
 * --program (run as pulumi preview runs it, closures serialised, errors the program's own), with exact findings.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { findingsOf, run, runElsewhere, sorted } from "./support/policy.js";

describe("stowage policy (the built command)", () => {
  it("passes our prod stack and answers JSON in the documented shape", async () => {
    const r = await run("--stack", "prod", "--json");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ stack: "prod", violations: [] });
    expect(json.resources).toBeGreaterThan(100);
  });

  it("exits 4 on a mandatory violation in a stack export, and explains bad input", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-policy-"));
    const file = join(dir, "stack.json");
    writeFileSync(
      file,
      JSON.stringify({
        deployment: {
          resources: [
            {
              urn: "urn:pulumi:s::p::aws:s3/bucket:Bucket::open",
              type: "aws:s3/bucket:Bucket",
              custom: true,
              id: "open",
              outputs: { bucket: "open", acl: "public-read" },
            },
          ],
        },
      }),
    );
    const r = await run("--export", file, "--format", "markdown");
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^\| mandatory \| S3\.2\/S3\.3 \| s3-no-public-read-or-write \| `open` \|/m);
    const bad = await run("--stack", "nope");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/No stack file .*Pulumi\.nope\.yaml/);
    // Not an export (e.g. `pulumi stack output --json` by mistake): refused, never judged as zero resources.
    writeFileSync(file, JSON.stringify({ buckets: {} }));
    const notExport = await run("--export", file);
    expect(notExport).toMatchObject({ code: 2, stdout: "" });
    expect(notExport.stderr).toContain("is not a stack export: it has no deployment.resources list");
  });
});

describe("stowage policy --program (the built command), as pulumi runs programs", () => {
  it("runs a TypeScript entry file with its own relative imports, and judges what it declares", async () => {
    const r = await run("--program", "test/fixtures/programs/site-ts/index.ts", "--json");
    expect(r.stderr).not.toMatch(/internal error|Unknown file extension/);
    expect(r.code).toBe(4);
    const json = JSON.parse(r.stdout);
    expect(json.violations.find((v: { policy: string }) => v.policy === "s3-no-public-read-or-write")).toMatchObject({
      enforcementLevel: "mandatory",
      resource: { name: "site" },
    });
    expect(json.violations.some((v: { message: string }) => /site: no trail records/.test(v.message))).toBe(true);
    // No temporary module is left beside the program.
    expect(readdirSync("test/fixtures/programs/site-ts").sort()).toEqual(["index.ts", "tags.ts"]);
  });

  it("runs a CommonJS project folder: Pulumi.yaml's main, its project name, its config namespace and defaults", async () => {
    const r = await run("--program", "test/fixtures/programs/cjs-project", "--stack", "prod", "--json");
    expect(r.stderr).toBe("");
    const json = JSON.parse(r.stdout);
    expect(json.stack).toBe("prod");
    expect(json.violations.some((v: { message: string }) => v.message.includes("aws:s3/bucket:Bucket holiday-photos:"))).toBe(true);
  });

  it("reports the program's own error as the user's, with where it happened: exit 2, no stack trace", async () => {
    const r = await run("--program", "test/fixtures/programs/broken/index.ts");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/The program test\/fixtures\/programs\/broken\/index\.ts failed at test\/fixtures\/programs\/broken\/index\.ts:5:\d+: .*domain/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const missing = await run("--program", "test/fixtures/programs/nowhere.ts");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file or folder/);
  });

  it("reads a broken stack file as bad input, naming the file, line and column", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-policy-"));
    writeFileSync(join(dir, "Pulumi.x.yaml"), "config:\n  aws:region: us-east-2\n  stowage:teams: [a, b\n");
    for (const command of [["policy"], ["estimate"]]) {
      const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile("node", ["dist/bundle/cli.js", ...command, "--stack", "x", "--stack-dir", dir], (err, _o, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
        ),
      );
      expect(r.code, command[0]).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`${join(dir, "Pulumi.x.yaml").replace(/[.]/g, "\\.")}:\\d+:\\d+: not valid YAML`));
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  });

  it("honours a policy config file, and refuses a bad one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-policy-"));
    writeFileSync(join(dir, "pack.json"), JSON.stringify({ all: "advisory" }));
    const r = await run("--program", "test/fixtures/programs/site-ts/index.ts", "--policy-config", join(dir, "pack.json"), "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).violations.every((v: { enforcementLevel: string }) => v.enforcementLevel === "advisory")).toBe(true);
    writeFileSync(join(dir, "pack.json"), "{ all: ");
    const bad = await run("--stack", "prod", "--policy-config", join(dir, "pack.json"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/pack\.json is not valid JSON/);
  });
});

describe("stowage policy --program, run as pulumi preview runs it", () => {
  it("is a preview (isDryRun) and judges resources registered late, once the engine is done", async () => {
    const r = await run("--program", "test/fixtures/programs/late", "--json");
    expect(r.stderr).not.toMatch(/only previews/);
    const json = JSON.parse(r.stdout);
    expect(json.violations.find((v: { policy: string }) => v.policy === "s3-no-public-read-or-write")).toMatchObject({ resource: { name: "late-data" } });
  });
});

const S3_HOLES = (bucket: string) => [
  ["s3-access-logging", bucket, "mandatory"],
  ["s3-acls-disabled", bucket, "advisory"],
  ["s3-cloudtrail-data-events", bucket, "advisory"],
  ["s3-kms-encryption", bucket, "mandatory"],
  ["s3-lifecycle", bucket, "mandatory"],
  ["s3-public-access-block", bucket, "advisory"],
  ["s3-require-tls", bucket, "mandatory"],
  ["s3-versioning", bucket, "mandatory"],
];
// aws.lambda.CallbackFunction's default role policies include AWSLambda_FullAccess: s3:* on "*" (two findings).
const CALLBACK_ROLE = (fn: string) => [
  ["iam-no-wildcards", `${fn}-4aaabb8e`, "mandatory"],
  ["iam-no-wildcards", `${fn}-4aaabb8e`, "mandatory"],
];

export const CLOSURES_FINDINGS = sorted([
  ...S3_HOLES("uploads"),
  ...S3_HOLES("thumbnails"),
  ...CALLBACK_ROLE("on-upload"),
  ...CALLBACK_ROLE("resize"),
  ...CALLBACK_ROLE("security-headers"),
]);

describe("stowage policy --program on programs with closures, started outside the program's folder", () => {
  it("serialises a bucket event handler, a CallbackFunction and a Lambda@Edge function as pulumi preview does, with the exact findings", async () => {
    const r = await runElsewhere("--program", resolve("test/fixtures/programs/closures"), "--json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(4);
    const json = JSON.parse(r.stdout);
    expect(json.resources).toBe(42);
    expect(findingsOf(json)).toEqual(CLOSURES_FINDINGS);
    expect(readdirSync("test/fixtures/programs/closures").sort()).toEqual(["Pulumi.yaml", "index.ts", "package.json"]);
  }, 120_000);

  it("a program that fails after it started is the program's error: exit 2 with its message, the JSON of what it registered, no file left", async () => {
    const r = await runElsewhere("--program", resolve("test/fixtures/programs/closure-fails"), "--json");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^stowage: The program .*closure-fails\/index\.ts failed: its registrations never completed/);
    expect(r.stderr).not.toMatch(/\n\s+at |promises were still active/);
    const json = JSON.parse(r.stdout);
    expect(json.programError).toMatch(/registrations never completed/);
    expect(findingsOf(json)).toEqual(
      sorted([...S3_HOLES("inbox"), ["iam-no-wildcards", "on-mail-4aaabb8e", "mandatory"], ["iam-no-wildcards", "on-mail-4aaabb8e", "mandatory"]]),
    );
    // The ES module this program compiles to is written beside it (Node imports files) and removed again.
    expect(readdirSync("test/fixtures/programs/closure-fails").sort()).toEqual(["Pulumi.yaml", "index.ts", "package.json"]);
  }, 120_000);

  it("an error thrown inside an apply after registration is the program's error too, with where it was thrown", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-late-throw-"));
    writeFileSync(join(dir, "Pulumi.yaml"), "name: late-throw\nruntime: nodejs\n");
    symlinkSync(resolve("node_modules"), join(dir, "node_modules"));
    writeFileSync(
      join(dir, "index.ts"),
      `import * as aws from "@pulumi/aws";\nconst b = new aws.s3.Bucket("data", { bucket: "data" });\nb.id.apply((id) => { if (id) throw new Error("no " + id); });\n`,
    );
    const r = await runElsewhere("--program", dir, "--json");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/failed at .*index\.ts:3:\d+: no data$/m);
    expect(JSON.parse(r.stdout).resources).toBe(2); // the stack and the bucket
    expect(readdirSync(dir).sort()).toEqual(["Pulumi.yaml", "index.ts", "node_modules"]);
  }, 120_000);
});
