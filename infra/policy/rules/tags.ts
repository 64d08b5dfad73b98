/** Tags and regions of every taggable resource. */
import type { Rule } from "./base.js";

export const requiredTags: Rule = {
  house: true,
  name: "required-tags",
  control: "stowage",
  description: "Every taggable resource carries the required tags.",
  enforcementLevel: "mandatory",
  fix: "Set stowage:tags (the program adds them to every resource).",
  check: (f, c) =>
    f.tagged.flatMap((t) => {
      const missing = c.requiredTags.filter((tag) => !t.tags[tag]);
      return missing.length ? [{ resource: t.ref, message: `missing tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")}` }] : [];
    }),
};

export const allowedRegions: Rule = {
  name: "allowed-regions",
  control: "stowage",
  description: "Resources are only in the allowed regions (data residency).",
  enforcementLevel: "mandatory",
  fix: "Move the resource to an allowed region, or change the allowed list.",
  check: (f, c) =>
    c.allowedRegions === null
      ? []
      : f.tagged
          .filter((t) => t.region && !c.allowedRegions!.includes(t.region))
          .map((t) => ({ resource: t.ref, message: `is in ${t.region}, not in ${c.allowedRegions!.join(", ")}` })),
};
