/** The stack config schema: the shipped stacks pass, and every rule has a failing case naming the key and value. */
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS, StackConfigError, parseStackConfig, stowageKeys } from "../core/stack/schema.js";
import { stackConfig } from "./support/pulumi.js";

/** prod's detect pipeline, as written in Pulumi.prod.yaml. */
const PIPELINE = (stackConfig("prod") as Record<string, any>)["stowage:pipelines"][0];

/** A stack file's config as the program sees it: `stowage:` stripped. */
function raw(stack: string): Record<string, any> {
  return stowageKeys(stackConfig(stack));
}

function problems(config: Record<string, unknown>): string[] {
  try {
    parseStackConfig(config);
  } catch (err) {
    expect(err).toBeInstanceOf(StackConfigError);
    return [...(err as StackConfigError).problems];
  }
  throw new Error("expected the config to be rejected");
}

describe("parseStackConfig", () => {
  it.each(["dev", "staging", "prod"])("accepts the %s stack and reads only known keys", (stack) => {
    const cfg = parseStackConfig(raw(stack));
    expect(cfg.environment).toBe(stack);
    expect(cfg.tags.environment).toBe(stack);
    for (const key of Object.keys(raw(stack))) expect(CONFIG_KEYS).toContain(key);
  });

  const prod = () => raw("prod");
  const cases: [string, (c: Record<string, any>) => void, RegExp][] = [
    ["an unknown key", (c) => (c.replicaRegion = "us-west-1"), /stowage:: unknown key "replicaRegion"|unknown key "replicaRegion"/],
    ["an unknown region", (c) => (c.primaryRegion = "us-east-7"), /stowage:primaryRegion: unknown AWS region "us-east-7"/],
    ["a replica in the primary region", (c) => (c.replicaRegions = ["us-east-2"]), /stowage:replicaRegions\[0\]: us-east-2 is the primary region/],
    ["a replica region listed twice", (c) => (c.replicaRegions = ["us-west-2", "us-west-2"]), /stowage:replicaRegions: us-west-2 listed twice/],
    ["replication without versioning", (c) => (c.versioning = false), /stowage:versioning: false, but replication .* requires versioning/],
    ["prod without a replica", (c) => (c.replicaRegions = []), /stowage:replicaRegions: prod requires at least one replica region/],
    ["prod without Object Lock", (c) => delete c.buckets[1].objectLock, /stowage:buckets\[1\]\.objectLock: prod requires Object Lock/],
    [
      "Object Lock added to an existing bucket",
      (c) => (c.buckets[1].existing = true),
      /stowage:buckets\[1\]\.objectLock: Object Lock cannot be added to the existing bucket "claims"/,
    ],
    [
      "overlapping team prefixes",
      (c) => (c.teams[1].prefixes = ["processed/raw/"]),
      /stowage:teams\[1\]\.prefixes: "processed\/raw\/" of team ingest overlaps "processed\/" of team vision in bucket images/,
    ],
    ["a team on an unknown bucket", (c) => (c.teams[0].bucket = "videos"), /stowage:teams\[0\]\.bucket: no bucket named "videos"/],
    [
      "a pipeline on a bucket without events",
      (c) => (c.pipelines = [{ ...PIPELINE, bucket: "claims" }]),
      /stowage:pipelines\[0\]\.bucket: "claims" sends no events/,
    ],
    [
      "a pipeline whose output is under its input",
      (c) => (c.pipelines = [{ ...PIPELINE, output: "uploads/done/" }]),
      /stowage:pipelines\[0\]\.output: "uploads\/done\/" overlaps the input/,
    ],
    [
      "a pipeline with fewer max than min tasks",
      (c) => (c.pipelines = [{ ...PIPELINE, minTasks: 3, maxTasks: 2 }]),
      /stowage:pipelines\[0\]\.maxTasks: 2 is below minTasks 3/,
    ],
    ["a pipeline scaled to zero", (c) => (c.pipelines = [{ ...PIPELINE, minTasks: 0 }]), /stowage:pipelines\[0\]\.minTasks/],
    [
      "a pipeline in a size Fargate does not have",
      (c) => (c.pipelines = [{ ...PIPELINE, cpu: 1024, memory: 1024 }]),
      /stowage:pipelines\[0\]\.memory: 1024 MiB is not a Fargate size for cpu 1024/,
    ],
    ["a team reading an unknown bucket", (c) => (c.teams[0].reads = ["videos:clips/"]), /stowage:teams\[0\]\.reads: no bucket named "videos"/],
    ["a team reading its own prefix", (c) => (c.teams[0].reads = [c.teams[0].prefixes[0]]), /stowage:teams\[0\]\.reads: .* overlaps the team's own prefix/],
    ["a read that is not a prefix", (c) => (c.teams[0].reads = ["images:uploads"]), /stowage:teams\[0\]\.reads\[0\]: a prefix like uploads\//],
    ["a read-only prefix that is not a prefix", (c) => (c.teams[0].readOnly = ["uploads"]), /stowage:teams\[0\]\.readOnly\[0\]: a prefix like uploads\//],
    ["a team reading only an unknown bucket", (c) => (c.teams[0].readOnly = ["videos:clips/"]), /stowage:teams\[0\]\.readOnly: no bucket named "videos"/],
    [
      "a prefix both committed to and read-only",
      (c) => ((c.teams[0].reads = ["images:uploads/"]), (c.teams[0].readOnly = ["images:uploads/cameras/"])),
      /stowage:teams\[0\]\.readOnly: "images:uploads\/cameras\/" overlaps "images:uploads\/" in reads, which commits under uploads\/\.stowage\/; a prefix is either a run's input \(reads\) or only read \(readOnly\)/,
    ],
    [
      "households that make an uploader's folder one household",
      (c) => (c.households = { prefix: "uploads/", depth: 1 }),
      /stowage:households: uploader cameras writes every household under "uploads\/cameras\/", but \{ prefix: uploads\/, depth: 1 \} makes that one household's folder; households are the folders below it \(depth 2\)/,
    ],
    ["an uploader outside uploads/", (c) => (c.uploaders[0].prefix = "images/"), /stowage:uploaders\[0\]\.prefix: an uploads\/… prefix/],
    ["a prefix without a slash", (c) => (c.teams[0].prefixes = ["processed"]), /stowage:teams\[0\]\.prefixes\[0\]: a prefix like images\//],
    ["a missing tag", (c) => delete c.tags["cost-centre"], /stowage:tags\.cost-centre: required on every resource/],
    ["a contradicting environment tag", (c) => (c.tags.environment = "dev"), /stowage:tags\.environment: "dev" differs from stowage:environment "prod"/],
    [
      "transitions out of order",
      (c) =>
        (c.lifecycle = [
          { afterDays: 90, storageClass: "GLACIER_IR" },
          { afterDays: 60, storageClass: "STANDARD_IA" },
        ]),
      /stowage:lifecycle\[1\]\.afterDays: 60 must be later than the previous transition's 90/,
    ],
    [
      "IA before 30 days",
      (c) => (c.lifecycle = [{ afterDays: 10, storageClass: "STANDARD_IA" }]),
      /stowage:lifecycle\[0\]\.afterDays: 10 is too early; S3 requires objects to be at least 30 days old before STANDARD_IA/,
    ],
    [
      "expiry inside the Object Lock retention",
      (c) => (c.buckets[0].expireAfterDays = 60),
      /stowage:buckets\[0\]\.expireAfterDays: 60 is shorter than the Object Lock retention of 90 days/,
    ],
    ["a bucket name used twice", (c) => (c.buckets[1].name = "images"), /stowage:buckets\[1\]\.name: "images" is used twice/],
    ["a bad environment", (c) => (c.environment = "qa"), /stowage:environment: /],
  ];
  it.each(cases)("rejects %s", (_, mutate, message) => {
    const c = prod();
    mutate(c);
    expect(problems(c).join("\n")).toMatch(message);
  });

  it("lists every problem at once", () => {
    const c = prod();
    c.primaryRegion = "nowhere-1";
    c.replicaRegions = [];
    delete c.tags.team;
    expect(problems(c)).toHaveLength(3);
  });

  it("reports schema and cross-key problems together, each with the value given", () => {
    const c = prod();
    c.primaryRegion = "nowhere-1";
    c.teams[0].access = "owner";
    const found = problems(c);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^stowage:teams\[0\]\.access: .*\(got "owner"\)/),
        expect.stringMatching(/^stowage:primaryRegion: unknown AWS region "nowhere-1"/),
      ]),
    );
  });
});
