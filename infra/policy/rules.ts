/**
 * Stowage's rules: one exported constant per rule, each a pure function of the facts (facts.ts) and the rule
 * configuration. The CrossGuard pack (pack/index.ts), `stowage policy`, and the live verifier all run these.
 * Controls are AWS Security Hub's S3 controls where one applies
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html).
 */
export * from "./rules/base.js";
export * from "./rules/buckets.js";
export * from "./rules/iam.js";
export * from "./rules/tags.js";
export * from "./rules/queues.js";
import type { Rule } from "./rules/base.js";
import {
  prodProtected,
  s3AccessLogging,
  s3AclsDisabled,
  s3DataEvents,
  s3KmsEncryption,
  s3Lifecycle,
  s3NoCrossAccountAdmin,
  s3NoPublicAccess,
  s3ObjectLock,
  s3PublicAccessBlock,
  s3Replication,
  s3RequireTls,
  s3RequireTls12,
  s3Versioning,
  settingsDeclaredOnce,
  s3LifecycleTransitions,
  s3ExternalAccess,
} from "./rules/buckets.js";
import { iamNoWildcards, kmsRotation, noWildcardPrincipals, teamPrefixIsolation } from "./rules/iam.js";
import { allowedRegions, requiredTags } from "./rules/tags.js";
import { consumedQueueHasDeadLetters, consumerRoleScoped, sqsEncrypted } from "./rules/queues.js";

export const RULES: readonly Rule[] = [
  s3NoPublicAccess,
  s3RequireTls,
  s3RequireTls12,
  s3NoCrossAccountAdmin,
  s3ExternalAccess,
  s3Replication,
  s3PublicAccessBlock,
  s3AccessLogging,
  s3AclsDisabled,
  s3Lifecycle,
  s3LifecycleTransitions,
  s3Versioning,
  s3ObjectLock,
  s3KmsEncryption,
  s3DataEvents,
  prodProtected,
  kmsRotation,
  iamNoWildcards,
  noWildcardPrincipals,
  teamPrefixIsolation,
  requiredTags,
  allowedRegions,
  settingsDeclaredOnce,
  sqsEncrypted,
  consumedQueueHasDeadLetters,
  consumerRoleScoped,
];
