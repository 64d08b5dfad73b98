/**
 * The CrossGuard policies: one StackValidationPolicy per rule. Bucket rules are stack rules because a v7 bucket's
 * settings live in sidecar resources that must be joined to it; a missing sidecar is a violation.
 */
import type { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { gatherFacts, type StackResource } from "../gather.js";
import { DEFAULT_CONFIG, RULES, findings, type Rule, type RuleConfig } from "../rules.js";

/** CrossGuard's resources as the gatherer's, keeping the engine's property dependencies. */
export function fromPolicyResources(resources: readonly PolicyResource[]): StackResource[] {
  const seen = new Map<PolicyResource, StackResource>();
  const convert = (r: PolicyResource): StackResource => {
    let out = seen.get(r);
    if (out) return out;
    const deps: Record<string, StackResource[]> = {};
    out = { type: r.type, name: r.name, urn: r.urn, props: r.props, protect: !!r.opts?.protect, propertyDependencies: deps };
    seen.set(r, out);
    for (const [prop, list] of Object.entries(r.propertyDependencies ?? {})) deps[prop] = list.map(convert);
    return out;
  };
  return resources.map(convert);
}

/** The object form of a violation that @pulumi/policy's analyzer server accepts. */
export interface ViolationObject {
  readonly message: string;
  readonly urn?: string;
  readonly enforcementLevel: "advisory" | "mandatory";
}

/** Each rule's configuration schema (JSON Schema, as CrossGuard wants it); the defaults are DEFAULT_CONFIG's. */
const CONFIG_SCHEMA = {
  properties: {
    requiredTags: { type: "array", items: { type: "string" }, default: DEFAULT_CONFIG.requiredTags },
    allowedRegions: { type: ["array", "null"], items: { type: "string" }, default: DEFAULT_CONFIG.allowedRegions },
    teamPrefixes: {
      type: "object",
      additionalProperties: { type: "object", properties: { bucket: { type: "string" }, prefixes: { type: "array", items: { type: "string" } } } },
      default: DEFAULT_CONFIG.teamPrefixes,
    },
    auditReads: { type: "boolean", default: DEFAULT_CONFIG.auditReads },
    auditOwned: { type: ["boolean", "null"], default: DEFAULT_CONFIG.auditOwned },
    houseRules: { type: "boolean", default: DEFAULT_CONFIG.houseRules },
    exceptions: {
      type: "array",
      items: {
        type: "object",
        properties: {
          rule: { type: "string" },
          resource: { type: "string" },
          reason: { type: "string" },
          expires: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
        },
        required: ["rule", "resource", "reason", "expires"],
      },
      default: DEFAULT_CONFIG.exceptions,
    },
    secureTransportMayBeAbsent: { type: "boolean", default: DEFAULT_CONFIG.secureTransportMayBeAbsent },
  },
};

/** Every policy judges the same stack: gather its facts once per resource list. */
const factsCache = new WeakMap<readonly PolicyResource[], ReturnType<typeof gatherFacts>>();
function factsOf(resources: readonly PolicyResource[]) {
  let facts = factsCache.get(resources);
  if (!facts) {
    facts = gatherFacts(fromPolicyResources(resources));
    factsCache.set(resources, facts);
  }
  return facts;
}

export function toPolicy(rule: Rule): StackValidationPolicy {
  const description = `${rule.control === "stowage" ? "" : `Security Hub ${rule.control}: `}${rule.description}`;
  return {
    name: rule.name,
    description,
    enforcementLevel: rule.enforcementLevel,
    configSchema: CONFIG_SCHEMA as StackValidationPolicy["configSchema"],
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const config = { ...DEFAULT_CONFIG, ...(args.getConfig<Partial<RuleConfig>>() ?? {}) };
      const facts = factsOf(args.resources);
      for (const finding of findings(rule, facts, config)) {
        const message = `${finding.resource.type} ${finding.resource.name}: ${finding.message} [${rule.control}]. Fix: ${rule.fix}`;
        if (!finding.enforcementLevel) reportViolation(message, finding.resource.urn);
        // The analyzer server (@pulumi/policy 1.21 server.js makeReportViolationFun) also takes a violation object
        // whose enforcementLevel overrides the policy's for that one violation; its type declares only the string form.
        else
          (reportViolation as unknown as (v: ViolationObject) => void)({
            message: `${description}\n${message}`,
            urn: finding.resource.urn,
            enforcementLevel: finding.enforcementLevel,
          });
      }
    },
  };
}

export const POLICIES: readonly StackValidationPolicy[] = RULES.map(toPolicy);
