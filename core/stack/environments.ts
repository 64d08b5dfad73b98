/**
 * What each environment gets, as data: dev is cheap and disposable, prod is protected. The stack schema admits
 * exactly these names, the program builds from these values, and no literal elsewhere decides by environment.
 */

export const ENVIRONMENT_NAMES = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENT_NAMES)[number];

export interface EnvironmentPolicy {
  /** Delete buckets with their objects on `pulumi destroy`. */
  readonly forceDestroy: boolean;
  /** `protect` and `retainOnDelete` on data buckets and keys. */
  readonly protect: boolean;
  readonly replicationRequired: boolean;
  readonly objectLockRequired: boolean;
  /** KMS key deletion window. */
  readonly keyDeletionDays: number;
  /** Days the access-log bucket keeps its logs. */
  readonly logRetentionDays: number;
}

export const ENVIRONMENTS: Readonly<Record<Environment, EnvironmentPolicy>> = {
  dev: { forceDestroy: true, protect: false, replicationRequired: false, objectLockRequired: false, keyDeletionDays: 7, logRetentionDays: 30 },
  staging: { forceDestroy: false, protect: false, replicationRequired: false, objectLockRequired: false, keyDeletionDays: 14, logRetentionDays: 30 },
  prod: { forceDestroy: false, protect: true, replicationRequired: true, objectLockRequired: true, keyDeletionDays: 30, logRetentionDays: 400 },
};
