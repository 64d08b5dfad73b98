/** IAM policies, trust policies and KMS keys: wildcards, principals, team prefixes, key rotation. */
import type { PolicyDocument } from "../../iamDocuments.js";
import { list, principalIsEveryone, publicOnPurpose, statements, type Finding, type Rule } from "./base.js";

export const kmsRotation: Rule = {
  name: "kms-key-rotation",
  control: "stowage",
  description: "Customer-managed KMS keys rotate.",
  enforcementLevel: "mandatory",
  fix: "Set enableKeyRotation: true on the key.",
  check: (f) => f.keys.filter((k) => !k.rotation).map((k) => ({ resource: k.ref, message: "key rotation is off" })),
};

/**
 * What each Allow statement grants. "Everything but" (NotAction, NotResource) is as broad as a wildcard for these
 * rules, and is read as one.
 */
export function actionsAndResources(doc: PolicyDocument) {
  return doc.Statement.filter((s) => s.Effect === "Allow").map((s) => ({
    actions: s.NotAction !== undefined ? ["*"] : list(s.Action),
    resources: s.NotResource !== undefined ? ["*"] : list(s.Resource),
  }));
}

/** A resource that names every bucket: "*", or an S3 ARN whose bucket part starts with a wildcard. */
const everyBucket = (r: string) => r === "*" || /^arn:aws[\w-]*:s3:::[*?]/.test(r);

/**
 * S3 actions on the account, not on a bucket: the Service Authorization Reference gives them no resource type, so
 * `"Resource": "*"` is the only way to grant them (the documented minimum, e.g. a console user's or a canary's
 * ListAllMyBuckets), not access to every bucket.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 */
const ACCOUNT_LEVEL_S3_ACTIONS = new Set(
  [
    "s3:ListAllMyBuckets",
    "s3:ListAccessPoints",
    "s3:ListAccessPointsForObjectLambda",
    "s3:ListMultiRegionAccessPoints",
    "s3:ListJobs",
    "s3:CreateJob",
    "s3:ListStorageLensConfigurations",
    "s3:ListStorageLensGroups",
    "s3:ListAccessGrantsInstances",
    "s3:GetAccountPublicAccessBlock",
    "s3:PutAccountPublicAccessBlock",
    "s3:PutAccessPointPublicAccessBlock",
  ].map((a) => a.toLowerCase()),
);

/** An action that, on "*", reaches buckets or objects (action names are case-insensitive in IAM). */
const reachesBuckets = (a: string) => a === "*" || (a.toLowerCase().startsWith("s3:") && !ACCOUNT_LEVEL_S3_ACTIONS.has(a.toLowerCase()));

export const iamNoWildcards: Rule = {
  name: "iam-no-wildcards",
  control: "stowage",
  description: 'IAM policies name their actions and resources: no "*" or "s3:*" action, no "*" resource.',
  enforcementLevel: "mandatory",
  fix: "List the actions the role needs and scope resources to the bucket and prefixes.",
  check: (f) =>
    f.iamPolicies.flatMap((p) =>
      actionsAndResources(p.document).flatMap(({ actions, resources }) => {
        const out: Finding[] = [];
        const wildAction = actions.find((a) => a === "*" || /^[a-z0-9-]+:\*$/.test(a));
        if (wildAction) out.push({ resource: p.ref, message: `allows the action ${wildAction}` });
        const wildResource = resources.find(everyBucket);
        if (wildResource && actions.some(reachesBuckets))
          out.push({ resource: p.ref, message: `allows S3 actions on every bucket (${JSON.stringify(wildResource)})` });
        return out;
      }),
    ),
};

export const noWildcardPrincipals: Rule = {
  name: "no-wildcard-principals",
  control: "stowage",
  description: "No role may be assumed by everyone, and no bucket policy allows everyone.",
  enforcementLevel: "mandatory",
  fix: "Name the account, role, service or federated provider that may act.",
  check: (f) => [
    ...f.roles.flatMap((r) =>
      statements(r.trust)
        .filter((s) => s.Effect === "Allow" && principalIsEveryone(s.Principal))
        .map(() => ({ resource: r.ref, message: "the trust policy lets anyone assume the role" })),
    ),
    // A bucket public on purpose is said so once, by s3-no-public-read-or-write, which judges its public grants.
    ...f.buckets
      .filter((b) => !publicOnPurpose(b))
      .flatMap((b) =>
        statements(b.policy)
          .filter((s) => s.Effect === "Allow" && principalIsEveryone(s.Principal))
          .map(() => ({ resource: b.ref, message: "the bucket policy allows everyone" })),
      ),
  ],
};

/** The bucket and key prefix of each object ARN an Allow statement grants (`arn:aws:s3:::b/p*` → b, "p"), and its actions. */
function objectGrants(doc: PolicyDocument): { bucket: string; prefix: string; actions: readonly string[] }[] {
  return actionsAndResources(doc).flatMap((s) =>
    s.resources.flatMap((r) => {
      const m = /^arn:aws[\w-]*:s3:::([^/*]+)\/(.*)$/.exec(r);
      return m ? [{ bucket: m[1]!, prefix: m[2]!.replace(/\*.*$/, ""), actions: s.actions }] : [];
    }),
  );
}

/**
 * A grant a team declared as the input of its runs (its role's stowage-reads tag): reading under a declared prefix,
 * or writing the data layer's commits under <prefix>.stowage/. Anything more on another team's prefix is a leak.
 */
function declaredInput(g: { bucket: string; prefix: string; actions: readonly string[] }, reads: readonly string[]): boolean {
  return reads.some((entry) => {
    // "bucket:prefix/" (what Stowage's program writes), or a bare prefix in any bucket.
    const colon = entry.indexOf(":");
    const [bucket, r] = colon < 0 ? [g.bucket, entry] : [entry.slice(0, colon), entry.slice(colon + 1)];
    if (bucket !== g.bucket) return false;
    return (
      (g.prefix.startsWith(r) && g.actions.every((a) => /^s3:(Get|List)[A-Za-z]*$/.test(a))) ||
      (g.prefix === `${r}.stowage/` && g.actions.every((a) => a === "s3:PutObject"))
    );
  });
}

/**
 * Who owns which prefix: the policy config's teamPrefixes where it gives them (physical bucket names), else the
 * resources themselves: what each team role (tagged stowage-team) is granted beyond its declared inputs. Either way a
 * role is judged by the object ARNs it is granted, matched to buckets by exact name, so the rule works at preview,
 * on stack exports and on foreign programs alike.
 */
export const teamPrefixIsolation: Rule = {
  name: "team-prefix-isolation",
  control: "stowage",
  description: "A team's role reaches no other team's prefixes, beyond reading the inputs it declares.",
  enforcementLevel: "mandatory",
  fix: "Scope the role's object actions to its own team's prefixes; declare a read-only input with the team's reads.",
  check: (f, c) => {
    const grants = f.iamPolicies
      .filter((p) => p.team)
      .flatMap((p) => objectGrants(p.document).map((g) => ({ ...g, team: p.team!, policy: p })))
      .filter((g) => !declaredInput(g, g.policy.reads));
    const declared = Object.entries(c.teamPrefixes).flatMap(([team, own]) => own.prefixes.map((prefix) => ({ team, bucket: own.bucket, prefix })));
    const owners = declared.length ? declared : grants;
    const overlap = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);
    const seen = new Set<string>();
    return grants.flatMap((g) =>
      owners
        .filter((o) => o.team !== g.team && o.bucket === g.bucket && overlap(o.prefix, g.prefix))
        .map((o) => ({
          resource: g.policy.ref,
          message: `team ${g.team}'s role reaches ${o.bucket}/${o.prefix}, which ${declared.length ? "belongs to" : "is granted to"} team ${o.team}`,
        }))
        .filter((x) => !seen.has(`${x.resource.name}|${x.message}`) && !!seen.add(`${x.resource.name}|${x.message}`)),
    );
  },
};
