/**
 * The Stowage policy pack, for `pulumi preview --policy-pack infra/policy/pack` and pulumi/actions' policyPacks.
 * `stowage policy` runs the same policies offline, under the engine's mocks.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies.js";

new PolicyPack("stowage", { policies: [...POLICIES] });
