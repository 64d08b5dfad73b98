/**
 * A policy pack config file, in the format `pulumi preview --policy-pack-config FILE` reads (JSON):
 *
 *   { "all": "advisory",                                   every policy's level
 *     "s3-access-logging": "disabled",                     one policy's level
 *     "s3-cloudtrail-data-events": { "enforcementLevel": "mandatory", "auditOwned": true } }   level and settings
 *
 * `stowage policy --policy-config FILE` honours the same file, so the offline check and the CLI's agree.
 */
import { readFile } from "node:fs/promises";
import { ProblemsError, UserError, fileProblem } from "../../core/errors.js";
import { DEFAULT_CONFIG, RULES, type EnforcementLevel, type RuleConfig } from "./rules.js";

export interface PackConfig {
  /** Per policy, the level the file sets (absent: the policy's own). */
  readonly levels: Readonly<Record<string, EnforcementLevel>>;
  /** Per policy, the settings the file sets. */
  readonly settings: Readonly<Record<string, Partial<RuleConfig>>>;
}

export const NO_PACK_CONFIG: PackConfig = { levels: {}, settings: {} };

const LEVELS: readonly string[] = ["advisory", "mandatory", "disabled"];
const SETTINGS = new Set(Object.keys(DEFAULT_CONFIG));

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** What a setting's value must be, when `v` is not that (null when it is): the types of RuleConfig. */
export function settingProblem(key: keyof RuleConfig, v: unknown): string | null {
  switch (key) {
    case "requiredTags":
      return isStrings(v) ? null : "a list of tag keys (strings)";
    case "allowedRegions":
      return v === null || isStrings(v) ? null : "a list of region names, or null for any";
    case "auditReads":
    case "houseRules":
    case "secureTransportMayBeAbsent":
      return typeof v === "boolean" ? null : "true or false";
    case "auditOwned":
      return v === null || typeof v === "boolean" ? null : "true, false or null";
    case "teamPrefixes":
      return isObject(v) && Object.values(v).every((t) => isObject(t) && typeof t.bucket === "string" && isStrings(t.prefixes))
        ? null
        : 'an object of teams, each { "bucket": string, "prefixes": [strings] }';
    case "exceptions":
      return Array.isArray(v) && v.every((e) => isObject(e) && ["rule", "resource", "reason", "expires"].every((k) => typeof e[k] === "string"))
        ? null
        : 'a list of { "rule", "resource", "reason", "expires": "YYYY-MM-DD" } (strings)';
  }
}

/** Every problem of the file at once, each naming the key and the value. */
export function parsePackConfig(json: unknown, source: string): PackConfig {
  const problems: string[] = [];
  const levels: Record<string, EnforcementLevel> = {};
  const settings: Record<string, Partial<RuleConfig>> = {};
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new UserError(`${source} is not a policy pack config: it must be a JSON object of policy names.`, "See `stowage policy --help` for the format.");
  }
  const names = new Set(RULES.map((r) => r.name));
  const level = (key: string, v: unknown): EnforcementLevel | undefined => {
    if (typeof v === "string" && LEVELS.includes(v)) return v as EnforcementLevel;
    problems.push(`${key}: enforcement level ${JSON.stringify(v)} is not one of ${LEVELS.join(", ")}`);
    return undefined;
  };
  // "all" first, so that a policy's own entry wins over it, as in the Pulumi CLI.
  const entries = Object.entries(json).sort(([a], [b]) => Number(b === "all") - Number(a === "all"));
  for (const [name, value] of entries) {
    if (name !== "all" && !names.has(name)) {
      problems.push(`${name}: no such policy in the pack (it has ${[...names].join(", ")})`);
      continue;
    }
    const entry: Record<string, unknown> =
      typeof value === "string"
        ? { enforcementLevel: value }
        : value !== null && typeof value === "object" && !Array.isArray(value)
          ? (value as Record<string, unknown>)
          : { enforcementLevel: value };
    const targets = name === "all" ? [...names] : [name];
    for (const [key, v] of Object.entries(entry)) {
      if (key === "enforcementLevel") {
        const l = level(`${name}.enforcementLevel`, v);
        if (l) for (const t of targets) levels[t] = l;
      } else if (name === "all") problems.push(`all.${key}: settings belong to one policy, not "all"`);
      else if (!SETTINGS.has(key)) problems.push(`${name}.${key}: unknown setting (the pack's settings are ${[...SETTINGS].join(", ")})`);
      else {
        const wrong = settingProblem(key as keyof RuleConfig, v);
        if (wrong) problems.push(`${name}.${key}: ${JSON.stringify(v)} is not ${wrong}`);
        else settings[name] = { ...settings[name], [key]: v };
      }
    }
  }
  if (problems.length) {
    throw new ProblemsError(source, problems, "Fix the entries above; `stowage policy --help` shows the format.");
  }
  return { levels, settings };
}

export async function readPackConfig(path: string): Promise<PackConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UserError(
      `Cannot read the policy config ${path}: ${fileProblem(err) ?? (err as Error).message}.`,
      "Pass an existing JSON file with --policy-config.",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path} is not valid JSON: ${(err as Error).message}`, "Fix the JSON syntax and run again.");
  }
  return parsePackConfig(json, path);
}
