import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { parseWorkload } from "../core/cost/workload.js";
import { UserError } from "../core/errors.js";

const base = () => ({ region: "us-east-2", data: { initial_gb: 1000 } });

function problems(raw: unknown): string {
  try {
    parseWorkload(raw, "w.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).message;
  }
  throw new Error("expected the workload to be rejected");
}

describe("workload validation", () => {
  it("accepts the shipped example and fills defaults", () => {
    const w = parseWorkload(parse(readFileSync("examples/workload.yaml", "utf8")));
    expect(w.horizon_months).toBe(36);
    expect(w.lifecycle.map((r) => r.class)).toEqual(["STANDARD_IA", "GLACIER_IR", "DEEP_ARCHIVE"]);
    const minimal = parseWorkload(base());
    expect(minimal).toMatchObject({ horizon_months: 36, data: { monthly_growth_gb: 0, average_object_kb: 512 }, lifecycle: [] });
    expect(minimal.requests).toBeUndefined();
  });

  const cases: [string, unknown, RegExp][] = [
    ["missing data", { region: "us-east-2" }, /data: .*got nothing/],
    ["negative initial_gb", { data: { initial_gb: -5 } }, /data\.initial_gb: .*>=0.*got -5/],
    ["string number", { data: { initial_gb: "1TB" } }, /data\.initial_gb: .*number.*got "1TB"/],
    ["zero object size", { data: { initial_gb: 1, average_object_kb: 0 } }, /data\.average_object_kb: .*got 0/],
    ["horizon too long", { ...base(), horizon_months: 121 }, /horizon_months: .*got 121/],
    ["fractional horizon", { ...base(), horizon_months: 1.5 }, /horizon_months: .*int.*got 1.5/],
    ["unknown key", { ...base(), lifecycel: [] }, /unknown key "lifecycel"/],
    ["unknown nested key", { ...base(), data: { initial_gb: 1, growth: 5 } }, /data: unknown key "growth"/],
    ["negative requests", { ...base(), requests: { monthly_writes: -1, monthly_reads: 0 } }, /requests\.monthly_writes: .*got -1/],
    ["negative egress", { ...base(), access: { monthly_egress_gb: -1 } }, /access\.monthly_egress_gb/],
    ["zero retention", { ...base(), retention: { delete_after_days: 0 } }, /retention\.delete_after_days: .*got 0/],
    ["bad class", { ...base(), lifecycle: [{ after_days: 30, class: "COLD" }] }, /lifecycle\[0\]\.class: .*got "COLD"/],
    ["bad rds instance", { ...base(), rds: { instance: "m5.large" } }, /rds\.instance: expected an instance class like db\.m5\.large \(got "m5.large"\)/],
    ["bad rds storage", { ...base(), rds: { instance: "db.m5.large", storage: "magnetic" } }, /rds\.storage/],
    ["bad ebs volume", { ...base(), ebs: { volume: "standard" } }, /ebs\.volume: .*got "standard"/],
    ["unknown region", { ...base(), region: "us-east-9" }, /region: unknown AWS region "us-east-9"/],
    ["unknown replica region", { ...base(), replication: { regions: ["mars-1"] } }, /replication\.regions\[0\]: unknown AWS region "mars-1"/],
    ["replica is primary", { ...base(), replication: { regions: ["us-east-2"] } }, /replication\.regions\[0\]: us-east-2 is the primary region/],
    ["replica twice", { ...base(), replication: { regions: ["us-west-2", "us-west-2"] } }, /replication\.regions: us-west-2 listed twice/],
    [
      "rules out of order",
      {
        ...base(),
        lifecycle: [
          { after_days: 90, class: "STANDARD_IA" },
          { after_days: 60, class: "GLACIER" },
        ],
      },
      /lifecycle\[1\]\.after_days: 60 must be later than the previous transition's 90/,
    ],
    [
      "warmer class",
      {
        ...base(),
        lifecycle: [
          { after_days: 30, class: "GLACIER" },
          { after_days: 60, class: "STANDARD_IA" },
        ],
      },
      /lifecycle\[1\]\.class: S3 cannot transition GLACIER to STANDARD_IA/,
    ],
    [
      "to standard",
      { ...base(), lifecycle: [{ after_days: 30, class: "STANDARD" }] },
      /lifecycle\[0\]\.class: S3 cannot transition STANDARD to STANDARD \(nothing transitions into STANDARD\)/,
    ],
    ["IA too early", { ...base(), lifecycle: [{ after_days: 10, class: "STANDARD_IA" }] }, /lifecycle\[0\]\.after_days: 10 is too early.*30 days/],
    [
      "expiry before last transition",
      { ...base(), retention: { delete_after_days: 60 }, lifecycle: [{ after_days: 90, class: "GLACIER" }] },
      /retention\.delete_after_days: 60 comes at or before the last lifecycle transition/,
    ],
    ["throughput off gp3", { ...base(), ebs: { volume: "gp2", throughput_mbps: 250 } }, /ebs\.throughput_mbps: only gp3/],
    ["iops on st1", { ...base(), ebs: { volume: "st1", iops: 500 } }, /ebs\.iops: only gp3, io1 and io2/],
    ["iops on rds gp2", { ...base(), rds: { instance: "db.m5.large", storage: "gp2", iops: 5000 } }, /rds\.iops: gp2 storage has no provisioned IOPS/],
  ];
  for (const [name, raw, message] of cases) {
    it(`rejects ${name}`, () => expect(problems(raw)).toMatch(message));
  }

  it("lists every problem at once", () => {
    const msg = problems({ ...base(), region: "nowhere", replication: { regions: ["nowhere-2"] }, lifecycle: [{ after_days: 5, class: "ONEZONE_IA" }] });
    expect(msg).toMatch(/has 3 problems/);
    expect(msg).toMatch(/region: unknown/);
    expect(msg).toMatch(/replication\.regions\[0\]/);
    expect(msg).toMatch(/lifecycle\[0\]\.after_days/);
  });

  it("reports schema and cross-key problems together, each with the value given", () => {
    const msg = problems({ ...base(), data: { initial_gb: -5 }, region: "moon-1" });
    expect(msg).toMatch(/has 2 problems/);
    expect(msg).toMatch(/data\.initial_gb: .*\(got -5\)/);
    expect(msg).toMatch(/region: unknown AWS region "moon-1"/);
  });
});
