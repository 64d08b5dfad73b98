/**
 * The infra model: a stack's resources as the engine registers them (StackResource: what the mock runner records,
 * what `stowage policy` reads from an export or a preview), and what the rules judge — facts about buckets, IAM
 * policies, keys and trails, whichever side gathered them: a Pulumi program's resources (policy/gather.ts, at
 * preview or under mocks) or a live S3 API. The rules never see where the facts came from. Below policy/, so the
 * program runner and the stack loader need not import upward.
 */
import type { Transition } from "../core/storageClasses.js";
import type { PolicyDocument } from "./iamDocuments.js";

export interface StackResource {
  readonly type: string;
  readonly name: string;
  readonly urn?: string;
  /** Physical id, where known (mocks, stack exports). */
  readonly id?: string;
  // A provider's inputs, whatever its schema: every rule reads them by name and checks the shape it needs.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly props: Record<string, any>;
  readonly protect?: boolean;
  /** Resources each property depends on (CrossGuard's propertyDependencies). */
  readonly propertyDependencies?: Record<string, readonly StackResource[]>;
}

/** A setting that could not be read (access denied, not implemented by the server) is unknown, not absent. */
export type Unknown = { readonly unknown: string };
export const isUnknown = (v: unknown): v is Unknown => typeof v === "object" && v !== null && "unknown" in v;

export interface ResourceRef {
  readonly type: string;
  readonly name: string;
  readonly urn?: string;
}

export interface BucketFacts {
  readonly ref: ResourceRef;
  readonly region: string | null;
  readonly tags: Readonly<Record<string, string>>;
  /** Set when the tags could not be read (then `tags` is empty and says nothing). */
  readonly tagsUnknown?: string;
  /** Why the region could not be read (live buckets only): then `region` is null and no region rule can judge it. */
  readonly regionUnknown?: string;
  /** Read from a live bucket (what it has), not from a program (what it declares). */
  readonly live?: boolean;
  /** Whether the program protects it from deletion (`protect`); null where not applicable (live). */
  readonly protect: boolean | null;
  /**
   * What the bucket is for, inferred from the program or declared with a `stowage:purpose` tag: a data bucket; a log
   * bucket (target of access logs, a trail or CloudFront logs), judged by the log-bucket rules only; a website
   * bucket (website configuration), which serves anonymous HTTP and gets CloudFront advice instead of a TLS deny.
   */
  readonly role: "data" | "log" | "website";
  /** Settings the program declares twice, inline on the Bucket and by a sidecar (the sidecar is in effect). */
  readonly declaredTwice?: readonly string[];
  /** A CloudFront distribution serves it (an origin names it). */
  readonly behindCloudFront?: boolean;
  /** CloudFront writes its standard logs here, which needs ACLs (the bucket must not enforce BucketOwnerEnforced). */
  readonly cloudFrontLogs?: boolean;
  /** The destination of another bucket's replication: judged as a data bucket, but not asked to replicate itself. */
  readonly isReplica: boolean;
  readonly acl: string | null;
  readonly versioning: "Enabled" | "Suspended" | null | Unknown;
  readonly encryption: { readonly algorithm: string; readonly kmsKeyId: string | null; readonly bucketKey: boolean } | null | Unknown;
  readonly publicAccessBlock:
    | { readonly blockPublicAcls: boolean; readonly blockPublicPolicy: boolean; readonly ignorePublicAcls: boolean; readonly restrictPublicBuckets: boolean }
    | null
    | Unknown;
  readonly ownership: string | null | Unknown;
  readonly policy: PolicyDocument | null | Unknown;
  readonly lifecycleRules: number | null | Unknown;
  /**
   * Each enabled lifecycle rule's transitions (in the order of their days) and expiry, where they could be read
   * (from a program's rules, or a live bucket's GetBucketLifecycleConfiguration: policy/gather.ts schedulesOf);
   * absent where not known.
   */
  readonly lifecycleSchedules?: readonly { readonly rule: string; readonly transitions: readonly Transition[]; readonly expireDays: number | null }[];
  readonly logging: { readonly targetBucket: string; readonly targetRegion: string | null } | null | Unknown;
  readonly replication:
    | {
        readonly rules: number;
        readonly kmsReplicated: boolean;
        readonly destinationRegions: readonly (string | null)[];
        /** Destination bucket names, where the configuration names them (a live bucket's does). */
        readonly destinationBuckets?: readonly string[];
      }
    | null
    | Unknown;
  readonly objectLock: { readonly mode: string | null; readonly days: number | null } | null | Unknown;
  /** Trails recording this bucket's object writes and reads. */
  readonly dataEvents: { readonly writes: boolean; readonly reads: boolean } | null;
}

export interface IamPolicyFacts {
  readonly ref: ResourceRef;
  /** The role it is attached to, with that role's `team` tag when it has one. */
  readonly role: string | null;
  readonly team: string | null;
  /** Prefixes the role's team declares it reads as the input of its runs (the role's `stowage-reads` tag). */
  readonly reads: readonly string[];
  readonly document: PolicyDocument;
}

export interface RoleFacts {
  readonly ref: ResourceRef;
  readonly trust: PolicyDocument | null;
  readonly tags: Readonly<Record<string, string>>;
}

export interface KeyFacts {
  readonly ref: ResourceRef;
  readonly rotation: boolean;
  readonly protect: boolean | null;
  readonly tags: Readonly<Record<string, string>>;
}

export interface QueueFacts {
  readonly ref: ResourceRef;
  /** sqsManagedSseEnabled or a KMS key: true; explicitly off: false; not declared: null (SSE-SQS is the default for new queues since 2022). */
  readonly encrypted: boolean | null;
  /** A redrive policy, inline or as an aws.sqs.RedrivePolicy resource. */
  readonly redrive: boolean;
  /** Some role in the stack may receive its messages: it has a consumer. */
  readonly consumed: boolean;
}

export interface Facts {
  readonly buckets: readonly BucketFacts[];
  readonly iamPolicies: readonly IamPolicyFacts[];
  readonly roles: readonly RoleFacts[];
  readonly keys: readonly KeyFacts[];
  /** SQS queues (absent where that cannot be seen: a live S3 API). */
  readonly queues?: readonly QueueFacts[];
  /** How many CloudTrail trails the stack declares; absent where that cannot be seen (a live S3 API). */
  readonly trails?: number;
  /** The AWS accounts the stack's own resources are in (from their ARNs), where known: grants to others are shared access. */
  readonly accounts?: readonly string[];
  /** Every resource that takes tags, with its tags and region, for the tag and region rules. */
  readonly tagged: readonly { readonly ref: ResourceRef; readonly tags: Readonly<Record<string, string>>; readonly region: string | null }[];
}
