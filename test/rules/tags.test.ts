/** The tag and region rules (infra/policy/rules/tags.ts), and how house rules speak on a foreign program. */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, allowedRegions, findings, requiredTags } from "../../infra/policy/rules.js";
import { stack } from "./facts.js";

const tagged = (tags: Record<string, string>, region = "us-east-1") => stack({ tagged: [{ ref: { type: "aws:s3/bucket:Bucket", name: "b" }, tags, region }] });

describe("tag and region rules", () => {
  it("required-tags: the configured keys, and silent on a foreign program unless turned on", () => {
    const config = { ...DEFAULT_CONFIG, requiredTags: ["team"] };
    expect(findings(requiredTags, tagged({ team: "a" }), config)).toEqual([]);
    expect(findings(requiredTags, tagged({}), config).map((f) => f.message)).toEqual(["missing tag team"]);
    expect(findings(requiredTags, tagged({}), { ...config, houseRules: false })).toEqual([]);
  });

  it("allowed-regions: any region unless a list is given", () => {
    expect(findings(allowedRegions, tagged({}, "ap-south-1"), DEFAULT_CONFIG)).toEqual([]);
    expect(findings(allowedRegions, tagged({}, "ap-south-1"), { ...DEFAULT_CONFIG, allowedRegions: ["eu-west-1"] }).map((f) => f.message)).toEqual([
      "is in ap-south-1, not in eu-west-1",
    ]);
  });
});
