/**
 * The facts moved to infra/model.ts (one infra model, below policy/). This re-export keeps the rule modules' imports
 * working while infra/policy/rules.ts is split by family; import from ../model.js in new code.
 */
export * from "../model.js";
