/**
 * `stowage policy`: judges a stack without a cloud account. The resources come from running a program under the
 * engine's mocks, or from a `pulumi stack export` file; the pack's own policies then run over them through
 * @pulumi/policy's validation types (the same StackValidationArgs the engine hands a pack).
 */
import { UnknownValueError, unknownCheckingProxy, type PolicyResource, type StackValidationArgs } from "@pulumi/policy";
import type { StackResource } from "../model.js";
import { DEFAULT_CONFIG, RULES, type EnforcementLevel, type RuleConfig } from "./rules.js";
import { NO_PACK_CONFIG, type PackConfig } from "./packConfig.js";
import { POLICIES, type ViolationObject } from "./pack/policies.js";

export interface PolicyViolation {
  readonly policy: string;
  readonly control: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly resource: { readonly type: string; readonly name: string };
  readonly message: string;
}

export interface PolicyReport {
  readonly stack: string;
  readonly resources: number;
  readonly violations: readonly PolicyViolation[];
}

/** Our resources as CrossGuard's PolicyResource, property dependencies included. */
export function toPolicyResources(stack: string, project: string, resources: readonly StackResource[]): PolicyResource[] {
  const out = new Map<StackResource, PolicyResource>();
  for (const r of resources) {
    out.set(r, {
      type: r.type,
      name: r.name,
      urn: r.urn ?? `urn:pulumi:${stack}::${project}::${r.type}::${r.name}`,
      // As the engine hands them to a pack: reading a value unknown until apply throws UnknownValueError.
      props: unknownCheckingProxy(r.props),
      opts: { protect: !!r.protect, ignoreChanges: [], aliases: [], customTimeouts: {} } as unknown as PolicyResource["opts"],
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    } as unknown as PolicyResource);
  }
  for (const [r, p] of out) {
    for (const [prop, deps] of Object.entries(r.propertyDependencies ?? {})) {
      p.propertyDependencies[prop] = deps.map((d) => out.get(d)).filter((x): x is PolicyResource => !!x);
    }
  }
  return [...out.values()];
}

/**
 * Runs the pack's policies over the resources as the analyzer server does: each policy at the level the pack config
 * gives it (disabled ones skipped), with its settings, a violation object's own level winning for that violation.
 */
export async function judge(
  stack: string,
  resources: readonly StackResource[],
  config: Partial<RuleConfig> = {},
  project = "stowage",
  packConfig: PackConfig = NO_PACK_CONFIG,
): Promise<PolicyReport> {
  const policyResources = toPolicyResources(stack, project, resources);
  const violations: PolicyViolation[] = [];
  const byUrn = new Map(policyResources.map((r) => [r.urn, r]));
  for (const policy of POLICIES) {
    const rule = RULES.find((r) => r.name === policy.name)!;
    const level = packConfig.levels[policy.name] ?? ((policy.enforcementLevel ?? "advisory") as EnforcementLevel);
    if (level === "disabled") continue;
    const args: StackValidationArgs = {
      resources: policyResources,
      stackTags: new Map(),
      // A level or settings the policy config states for a policy turn it on (as in Pulumi's, a level is the last
      // word): a house rule so configured speaks, at that level, with the team's own settings.
      getConfig: <T extends object>() =>
        ({
          ...DEFAULT_CONFIG,
          ...config,
          ...(packConfig.levels[policy.name] || packConfig.settings[policy.name] ? { houseRules: true } : {}),
          ...packConfig.settings[policy.name],
        }) as unknown as T,
      notApplicable: (reason?: string) => {
        throw new Error(`not applicable: ${reason ?? ""}`);
      },
    };
    const report = (v: string | ViolationObject, urn?: string) => {
      const r = typeof v === "string" ? (urn ? byUrn.get(urn) : undefined) : v.urn ? byUrn.get(v.urn) : undefined;
      violations.push({
        policy: policy.name,
        control: rule.control,
        enforcementLevel: typeof v === "string" ? level : v.enforcementLevel,
        resource: { type: r?.type ?? "(stack)", name: r?.name ?? stack },
        // The object form carries the policy's description on its first line, as the server prints it.
        message: typeof v === "string" ? v : v.message.slice(v.message.indexOf("\n") + 1),
      });
    };
    try {
      await policy.validateStack(args, report as (message: string, urn?: string) => void);
    } catch (err) {
      // What the engine's policy server does: a policy that needs a value only known after apply is reported as an
      // advisory "can't run during preview", never as a failure of the whole check.
      if (!(err instanceof UnknownValueError)) throw err;
      violations.push({
        policy: policy.name,
        control: rule.control,
        enforcementLevel: "advisory",
        resource: { type: "(stack)", name: stack },
        message: `can't run policy '${policy.name}' during preview: ${(err as Error).message}`,
      });
    }
  }
  return { stack, resources: resources.length, violations };
}

/** Resources of a `pulumi stack export` file (deployment.resources), with property dependencies by URN. */
export function fromStackExport(json: unknown): StackResource[] {
  const list = ((json as { deployment?: { resources?: StackResource["props"][] } })?.deployment?.resources ?? []).filter(
    (r) => r.custom !== false && !String(r.type).startsWith("pulumi:"),
  );
  const byUrn = new Map<string, StackResource & { propertyDependencies: Record<string, StackResource[]> }>();
  for (const r of list) {
    const name = String(r.urn).split("::").pop() ?? r.urn;
    byUrn.set(r.urn, {
      type: r.type,
      name,
      urn: r.urn,
      id: r.id,
      props: { ...(r.inputs ?? {}), ...(r.outputs ?? {}) },
      protect: !!r.protect,
      propertyDependencies: {},
    });
  }
  for (const r of list) {
    const own = byUrn.get(r.urn)!;
    for (const [prop, urns] of Object.entries((r.propertyDependencies ?? {}) as Record<string, string[]>)) {
      own.propertyDependencies[prop] = urns.map((u) => byUrn.get(u)).filter((x): x is NonNullable<typeof x> => !!x);
    }
  }
  return [...byUrn.values()];
}
