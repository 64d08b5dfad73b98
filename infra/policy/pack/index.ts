/**
 * The Stowage policy pack's entry. `npm run build` bundles it into dist/policy-pack/ (CommonJS, with its
 * PulumiPolicy.yaml and package.json): the folder `pulumi preview --policy-pack` and pulumi/actions' policyPacks take.
 * The Pulumi CLI loads a pack with require() (@pulumi/pulumi cmd/run-policy-pack), which cannot load this package's
 * ES modules, hence the bundle. `stowage policy` runs the same policies offline, under the engine's mocks.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies.js";

new PolicyPack("stowage", { policies: [...POLICIES] });
