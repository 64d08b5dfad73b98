import { EXIT } from "../../core/exit.js";
import { UserError } from "../../core/errors.js";
import { textTable } from "../../core/render.js";
import type { Command } from "../command.js";
import { FORMAT_OPTIONS, formatFlag, intFlag, parse, print } from "../options.js";
import { REPO_HELP, REPO_OPTIONS, open, progressReporter, repoArg } from "../repoOptions.js";

const HELP = `stowage data commit REPO [-m MSG] [--branch B]
stowage data log REPO [--branch B] [--limit N]
stowage data diff REPO FROM TO
stowage data checkout REPO REF --to DIR
stowage data why REPO PATH [--ref REF]
stowage data verify REPO [--commit C | --all] [--parallel N]
stowage data mirror SRC DST [--parallel N] [--dest-endpoint URL] [--dest-region R]
    each also: [--endpoint URL] [--region R] [--sse aws:kms|none] [--progress] [--format table|json] [--json]

Versioned datasets on the buckets Stowage provisions, or in a local folder, with nothing to deploy.
commit   pins every current file (in a versioned bucket its versionId, no data copied; in a folder, an unversioned bucket
         or an Azure container a kept copy of its content under .stowage/objects, named by its SHA-256: "mode" says
         which, "versions" or "content-addressed") in an immutable commit on the branch (default main). Nothing
         changed: the head is kept ("created": false).
         In a folder, a symbolic link to a file inside it is committed as that file's content ("links" counts them);
         a link that points outside, at nothing or at a folder stops the commit, naming it.
         JSON: { commit, parent, branch, files, added, modified, deleted, created, guarantee, mode, links }
log      the branch's commits, newest first. JSON: { branch, commits: [ { commit, parent, message, author, time, files, run? } ] }
diff     paths added, modified (another version) and deleted from FROM to TO (branches or commit ids, 7+ characters).
         JSON: { from, to, added: [path], modified: [path], deleted: [path] }
checkout writes exactly REF's files, each by its pinned version, into DIR (new or empty). JSON: { commit, files, bytes, to }
why      how PATH (an output of \`stowage run\`) was made: the run, its code, and the exact input versions, then the same
         for every input that was itself a run's output. JSON: { path, versionId, run: { id, name, command, code,
         startedAt, endedAt, status, who, host }, inputs: [ { repo, commit, path, versionId, sha256 } ], upstream: [ … ] }
verify   (fsck) reads back every file the commit pins (default main's head; --commit C one commit; --all every stored
         commit) at its pinned version, streamed through SHA-256, --parallel N at once (default 8): it must exist with the
         recorded size and hash. Also: commits and manifest chunks hash to their names; the head matches the store's
         current files (a new version or a delete marker written behind Stowage's back is reported); every run record
         is stored, intact, and its outputs are pinned by its output commit; where the bucket retains every version
         (Object Lock default retention), each version and record still carries retention in force. Reads only.
         Each discrepancy names the file: missing, changed, replaced, deleted, record-missing, record-changed,
         retention-lapsed. JSON: { repo, commits, objects, bytes, runs, retention, problems: [ { kind, path,
         version?, commit?, detail } ], ok }
mirror   copies the repository SRC with its whole history into DST (another store, or the same one elsewhere): every
         commit its branches reach, each content they pin (read once, checked against its SHA-256), the manifests, run
         and datum records. A re-run copies only what is missing; a mirror stopped at any point leaves DST's branches
         where they were until everything they name is there. Where DST keeps its own versions (a versioned bucket),
         or SRC did, rows get DST's versions and commits new ids (.stowage/mirrored/ maps them; run records follow).
         --dest-endpoint/--dest-region reach DST when it is not where SRC is. Runs' inputs in other repositories stay
         named as they were. JSON: { from, to, branches: { branch: commit }, commits: { total, copied },
         objects: { copied, present, bytes }, runs: { total, copied }, datumRecords: { copied } }

Concurrent commits to one branch never lose one: each advances the branch by creating its next log entry once; the
"guarantee" field says how the store enforces that (exclusive-create in a folder, conditional-write where the store
honours If-None-Match: * (AWS S3, Azure, an unversioned bucket on Ceph RGW), first-version-wins on stores that ignore
it on versioned buckets, like Ceph RGW 16).
${REPO_HELP}
Exit codes: ${EXIT.OK} done, ${EXIT.USER} bad input or a repository that cannot be read, ${EXIT.VIOLATION} verify found a discrepancy.
`;

const OPTIONS = {
  message: { type: "string", short: "m" },
  branch: { type: "string" },
  limit: { type: "string" },
  to: { type: "string" },
  ref: { type: "string" },
  commit: { type: "string" },
  all: { type: "boolean" },
  parallel: { type: "string" },
  "dest-endpoint": { type: "string" },
  "dest-region": { type: "string" },
  ...REPO_OPTIONS,
  ...FORMAT_OPTIONS,
} as const;

export const command: Command = {
  name: "data",
  help: HELP,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, HELP, true);
    if (values.help) return print(HELP);
    const [sub, repoText, ...rest] = positionals;
    const format = formatFlag(values, ["table", "json"] as const);
    const out = (json: unknown, table: string) => print(format === "json" ? `${JSON.stringify(json, null, 2)}\n` : table);
    const progress = progressReporter(values);
    const want = (n: number, usage: string) => {
      if (rest.length !== n) throw new UserError(`stowage data ${sub} takes ${usage}.`, `See stowage data --help.`);
    };
    if (!sub) throw new UserError("stowage data needs a subcommand: commit, log, diff, checkout, why, verify or mirror.", "See stowage data --help.");
    const { commitRepo, logRepo, diffRepo, checkoutRepo } = await import("../../datalayer/data.js");
    const store = await open(repoArg(repoText, "REPO", HELP), values).catch(async (err) =>
      Promise.reject((await import("../../datalayer/fsErrors.js")).fsUserError(err)),
    );
    try {
      switch (sub) {
        case "commit": {
          want(0, "REPO only");
          const r = await commitRepo(store, { branch: values.branch ?? "main", message: values.message ?? "", progress });
          const links = r.links
            ? ` ${r.links} symbolic link${r.links > 1 ? "s" : ""} committed as ${r.links > 1 ? "their targets'" : "its target's"} content.`
            : "";
          return out(
            r,
            `${r.created ? `Committed ${r.commit.slice(0, 12)} on ${r.branch}` : `Nothing changed: ${r.branch} stays at ${r.commit.slice(0, 12)}`}: ${r.files} files (${r.added} added, ${r.modified} modified, ${r.deleted} deleted).${links}\n`,
          );
        }
        case "log": {
          want(0, "REPO only");
          const r = await logRepo(store, values.branch ?? "main", intFlag(values.limit, "--limit", Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER));
          return out(
            r,
            textTable(
              [
                ["commit", "time", "author", "files", "message"],
                ...r.commits.map((c) => [c.commit.slice(0, 12), c.time, c.author, String(c.files), c.message]),
              ],
              (col) => col === 3,
            ) + "\n",
          );
        }
        case "diff": {
          want(2, "REPO FROM TO");
          const r = await diffRepo(store, rest[0]!, rest[1]!);
          const lines = [...r.added.map((p) => `A ${p}`), ...r.modified.map((p) => `M ${p}`), ...r.deleted.map((p) => `D ${p}`)];
          return out(r, lines.length ? `${lines.join("\n")}\n` : "No differences.\n");
        }
        case "checkout": {
          want(1, "REPO REF --to DIR");
          if (!values.to) throw new UserError("--to DIR is required.", "Give a new or empty folder to write the commit's files into.");
          const r = await checkoutRepo(store, rest[0]!, values.to, { progress });
          return out(r, `Checked out ${r.commit.slice(0, 12)}: ${r.files} files, ${r.bytes} bytes into ${r.to}.\n`);
        }
        case "why": {
          want(1, "REPO PATH [--ref REF]");
          const { why } = await import("../../datalayer/why.js");
          const { parseRepo } = await import("../../datalayer/repo.js");
          const r = await why(store, rest[0]!, values.ref ?? "main", (url) => open(parseRepo(url), values));
          return out(r, whyText(r));
        }
        case "verify": {
          want(0, "REPO [--commit C | --all]");
          if (values.commit && values.all)
            throw new UserError("--commit and --all: choose one.", "--commit C verifies one commit, --all every stored commit; neither verifies main's head.");
          const { verifyRepo } = await import("../../datalayer/fsck.js");
          const r = await verifyRepo(store, {
            ...(values.commit ? { commit: values.commit } : {}),
            all: !!values.all,
            parallel: intFlag(values.parallel, "--parallel", 8, 1, 256),
            progress,
          });
          const lines = r.problems.map((p) => `${p.kind}\t${p.path}${p.version ? ` (version ${p.version})` : ""}: ${p.detail}`);
          const summary = `${r.ok ? "Verified" : "Found discrepancies in"} ${r.repo}: ${r.commits.length} commit${r.commits.length === 1 ? "" : "s"}, ${r.objects} object versions (${r.bytes} bytes), ${r.runs} run records${r.retention ? `, retention ${r.retention.mode} ${r.retention.days} days expected` : ""}; ${r.problems.length} problem${r.problems.length === 1 ? "" : "s"}.`;
          out(r, `${[...lines, summary].join("\n")}\n`);
          return r.ok ? EXIT.OK : EXIT.VIOLATION;
        }
        case "mirror": {
          want(1, "SRC DST");
          const { mirrorRepo } = await import("../../datalayer/mirror.js");
          const dest = { ...values, endpoint: values["dest-endpoint"] ?? values.endpoint, region: values["dest-region"] ?? values.region };
          const dst = await open(repoArg(rest[0], "DST", HELP), dest, true);
          try {
            const r = await mirrorRepo(store, dst, { parallel: intFlag(values.parallel, "--parallel", 8, 1, 256), progress });
            const heads = Object.entries(r.branches).map(([b, c]) => `${b} ${c.slice(0, 12)}`);
            return out(
              r,
              `Mirrored ${r.from} to ${r.to}: ${r.commits.copied} of ${r.commits.total} commits copied, ${r.objects.copied} contents copied (${r.objects.bytes} bytes), ${r.objects.present} already there, ${r.runs.copied} run records; branches ${heads.join(", ") || "none"}.\n`,
            );
          } finally {
            dst.close();
          }
        }
        default:
          throw new UserError(`stowage data has no subcommand ${sub}.`, "The subcommands: commit, log, diff, checkout, why, verify, mirror.");
      }
    } catch (err) {
      throw (await import("../../datalayer/fsErrors.js")).fsUserError(err);
    } finally {
      store.close();
    }
  },
};

type WhyTree = Awaited<ReturnType<typeof import("../../datalayer/why.js").why>>;
function whyText(w: WhyTree, indent = ""): string {
  const code = w.run.code.version
    ? `code ${w.run.code.version}`
    : w.run.code.git
      ? `git ${w.run.code.git.commit.slice(0, 12)}${w.run.code.git.dirty ? " (uncommitted changes)" : ""}`
      : "code not under git";
  const lines = [
    `${indent}${w.path} (version ${w.versionId})`,
    `${indent}  made by run ${w.run.id} (${w.run.name}, ${w.run.status}) ${w.run.startedAt} → ${w.run.endedAt} by ${w.run.who} on ${w.run.host}`,
    `${indent}  command: ${w.run.command.join(" ")}; ${code}`,
    ...w.inputs.map((i) => `${indent}  from ${i.repo} ${i.path} (version ${i.versionId}, sha256 ${i.sha256 ?? "unknown"}) in commit ${i.commit.slice(0, 12)}`),
  ];
  return `${lines.join("\n")}\n${w.upstream.map((u) => whyText(u, `${indent}    `)).join("")}`;
}
