/**
 * Argument parsing shared by every command: one parser, the `--format`/`--json` pair, whole numbers, endpoints.
 * Every bad flag is a UserError naming the flag and what it takes.
 */
import { EXIT } from "../core/exit.js";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UserError } from "../core/errors.js";

export type Options = NonNullable<ParseArgsConfig["options"]>;
const HELP_FLAG = { help: { type: "boolean", short: "h" } } as const;

/** The exit-code line of a command that returns only the codes every command can. */
export const COMMON_EXIT_CODES = `Exit codes: ${EXIT.OK} done, ${EXIT.USER} a problem you can fix (the message says how), ${EXIT.BUG} a bug.`;

/** The flags every command that reads the shipped prices takes. */
export const PRICES_OPTION = { prices: { type: "string" } } as const;
/** The flags of every command with more than one output format. */
export const FORMAT_OPTIONS = { format: { type: "string" }, json: { type: "boolean" } } as const;
/** The flag of every command that reads Pulumi stack files. */
export const STACK_DIR_OPTION = { "stack-dir": { type: "string" } } as const;

export function parse<const O extends Options>(args: string[], options: O, help: string, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { ...options, ...HELP_FLAG } as O & typeof HELP_FLAG, allowPositionals, strict: true });
  } catch (err) {
    throw new UserError(parseMessage(err as Error & { code?: string }, allowPositionals), `See:\n${help}`);
  }
}

/**
 * parseArgs's message, except for an unknown option where positionals are allowed: Node's own ends in an
 * unbalanced quote (as in '-- "--x"), so that one is said again whole.
 */
function parseMessage(err: Error & { code?: string }, allowPositionals: boolean): string {
  const unknown = err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? /^Unknown option '([^']*)'/.exec(err.message) : null;
  if (!unknown) return err.message;
  const name = unknown[1]!;
  return allowPositionals
    ? `Unknown option '${name}'. To give an argument that starts with '-', put it after '--', as in: -- ${JSON.stringify(name)}`
    : `Unknown option '${name}'.`;
}

/** `--format F` among the command's formats, `--json` being short for `--format json`; table by default. */
export function formatFlag<T extends string>(values: { json?: boolean; format?: string }, allowed: readonly T[]): T {
  return values.json ? ("json" as T) : choose(values.format ?? "table", allowed, "--format");
}

export function choose<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UserError(`${flag} ${value} is not one of ${allowed.join(", ")}.`);
  return value as T;
}

export function intFlag(value: string | undefined, flag: string, def: number, min: number, max: number): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UserError(`${flag} ${value} must be a whole number from ${min} to ${max}.`);
  return n;
}

/** An http(s) URL with nothing after the host: what the S3 client takes as an endpoint. */
export function endpointFlag(flag: string, value: string): string {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.pathname !== "/" || url.search) {
    throw new UserError(`${flag} ${value} is not an endpoint URL.`, `Give scheme, host and port only, e.g. ${flag} https://s3.example.internal:8443`);
  }
  return url.origin;
}

export function print(text: string): number {
  process.stdout.write(text);
  return EXIT.OK;
}

/** A warning on stderr beside a command's output (JSON and tables on stdout stay what they are). */
export function warn(line: string): void {
  process.stderr.write(`stowage: warning: ${line}\n`);
}
