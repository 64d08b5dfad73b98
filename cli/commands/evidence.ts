import { EXIT } from "../../core/exit.js";
import { UserError } from "../../core/errors.js";
import type { Command } from "../command.js";
import { FORMAT_OPTIONS, STACK_DIR_OPTION, formatFlag, parse, print } from "../options.js";
import { REPO_HELP, REPO_OPTIONS, open, progressReporter, repoArg } from "../repoOptions.js";

const HELP = `stowage evidence --repo REPO --stack NAME --household H --out DIR [--claim ID] [--from DATE] [--to DATE]
                 [--ref REF] [--outputs REPO]... [--audit REPO] [--sign KEYFILE] [--stack-dir DIR] [--json]
stowage evidence check DIR [--repo REPO] [--json]

evidence  writes a self-contained bundle about one household into DIR (new or empty), for a claims handler, an
          insurer or a court, who need neither the bucket nor Stowage to read it:
          images/   a copy of every image of the household in REPO's commit (--ref, default main's head) uploaded
                    from --from to --to (dates or ISO times, inclusive), each read by its exact version;
          evidence.json  the facts (schema stowage.evidence/1, JSON Schema beside it in evidence.schema.json):
                    every image (path, versionId, size, SHA-256, upload time, Object Lock state), every run in the
                    --outputs repositories that processed them, stage after stage (command, code identity, times, who,
                    host), every output those runs wrote (same fields), and every access grant to the household's
                    prefix from the audit log (who, to whom, why, until when; --audit REPO, default s3://BUCKET/audit);
          index.html  the same facts for a reader: thumbnails, the timeline, the access log; works offline;
          manifest.json  the SHA-256 of every other file; --sign KEYFILE (PEM, Ed25519) adds signature.json over it,
                    and the public key's fingerprint is printed in the page and evidence.json.
          --household is one household's folder as the stack declares them (stowage:households in Pulumi.NAME.yaml,
          read from --stack-dir, default here), below the households prefix (cameras/home-42) or from the bucket
          (uploads/cameras/home-42/), the same rule
          as \`stowage access grant\`. JSON: { out, images, runs, outputs, grants, files, fingerprint }
check     verifies a bundle on its own: every file against manifest.json, no file added, evidence.json against its
          schema, the signature when present. With --repo REPO (the images' repository; output and audit
          repositories are opened from the URLs in the bundle): every image, output, run record and grant it names is
          still stored unchanged, and each image is still the current version (a newer upload or a delete marker is
          reported). Each failure names the file. JSON: { bundle, files, signed, fingerprint, stored, problems: [ {
          kind, path, detail } ], ok }
${REPO_HELP}
Exit codes: ${EXIT.OK} done / the bundle checks out, ${EXIT.USER} bad input or a repository that cannot be read,
${EXIT.VIOLATION} check: a file, the signature, or a stored object or record is not what the bundle says.
`;

const OPTIONS = {
  repo: { type: "string" },
  household: { type: "string" },
  claim: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  ref: { type: "string" },
  out: { type: "string" },
  outputs: { type: "string", multiple: true },
  audit: { type: "string" },
  sign: { type: "string" },
  stack: { type: "string" },
  ...STACK_DIR_OPTION,
  ...REPO_OPTIONS,
  ...FORMAT_OPTIONS,
} as const;

/** A date (whole day, UTC) or an ISO time; `end` makes a bare date mean its last millisecond. */
export function parseWhen(text: string, flag: string, end: boolean): Date {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const t = Date.parse(day ? `${text}T${end ? "23:59:59.999" : "00:00:00.000"}Z` : text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(t))
    throw new UserError(`${flag} ${text} is not a date.`, `Write a date or an ISO time: ${flag} 2026-11-30 or ${flag} 2026-11-30T14:00:00Z.`);
  return new Date(t);
}

export const command: Command = {
  name: "evidence",
  help: HELP,
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, HELP, true);
    if (values.help) return print(HELP);
    const format = formatFlag(values, ["table", "json"] as const);
    const { fsUserError } = await import("../../datalayer/fsErrors.js");
    const { parseRepo } = await import("../../datalayer/repo.js");
    const opener = (url: string) => open(parseRepo(url), values);

    if (positionals[0] === "check") {
      if (positionals.length !== 2) throw new UserError("stowage evidence check takes one bundle folder.", "stowage evidence check DIR [--repo REPO]");
      const { checkEvidence } = await import("../../datalayer/evidenceCheck.js");
      const repo = values.repo ? await open(repoArg(values.repo, "--repo REPO", HELP), values).catch((err) => Promise.reject(fsUserError(err))) : undefined;
      try {
        const r = await checkEvidence(positionals[1]!, { ...(repo ? { repo } : {}), open: opener });
        if (format === "json") print(`${JSON.stringify(r, null, 2)}\n`);
        else {
          const lines = r.problems.map((p) => `${p.kind}\t${p.path}: ${p.detail}`);
          const what = `${r.files} files${r.signed ? `, signature by ${r.fingerprint}` : ", not signed"}${repo ? `, ${r.stored} stored objects and records` : ""}`;
          print(
            `${[...lines, r.ok ? `The bundle checks out: ${what}.` : `The bundle does not check out (${r.problems.length} problem${r.problems.length === 1 ? "" : "s"}): ${what}.`].join("\n")}\n`,
          );
        }
        return r.ok ? EXIT.OK : EXIT.VIOLATION;
      } catch (err) {
        throw fsUserError(err);
      } finally {
        repo?.close();
      }
    }
    if (positionals.length)
      throw new UserError(
        `stowage evidence takes no ${JSON.stringify(positionals[0])}.`,
        "Make a bundle with --repo … --household … --out DIR, or check one with `stowage evidence check DIR`.",
      );

    const missing = (["repo", "stack", "household", "out"] as const).filter((k) => !values[k]?.trim()).map((k) => `--${k}`);
    if (missing.length)
      throw new UserError(
        `stowage evidence needs ${missing.join(", ")}.`,
        "For example: stowage evidence --repo s3://images-bucket/uploads --stack prod --household cameras/home-42 --claim 7731 --outputs s3://images-bucket/labels --out claim-7731",
      );
    const from = values.from ? parseWhen(values.from, "--from", false) : undefined;
    const to = values.to ? parseWhen(values.to, "--to", true) : undefined;
    if (from && to && from > to) throw new UserError(`--from ${values.from} is after --to ${values.to}.`, "Give --from before --to.");
    const { checkHousehold } = await import("../../datalayer/access.js");
    const { readOwnStackConfig } = await import("../../core/stack/file.js");
    const cfg = await readOwnStackConfig(values["stack-dir"] ?? ".", values.stack!);
    if (!cfg.households)
      throw new UserError(
        `Stack ${values.stack} declares no households, so no household can be checked against them.`,
        "Add stowage:households: { prefix: uploads/, depth: 2 } (for uploads/<uploader>/<household>/) to its stack file.",
      );
    const h = values.household!;
    // A household is named from the bucket (uploads/cameras/home-42/) or from the stack's households prefix (cameras/home-42).
    const named = h.endsWith("/") ? h : `${h}/`;
    const household = checkHousehold(named.startsWith(cfg.households.prefix) ? named : `${cfg.households.prefix}${named}`, cfg.households);

    const { buildEvidence } = await import("../../datalayer/evidence.js");
    const repoSpec = repoArg(values.repo, "--repo REPO", HELP);
    const auditText = values.audit ?? (repoSpec.kind === "s3" ? `s3://${repoSpec.bucket}/audit` : undefined);
    const opened: { close(): void }[] = [];
    try {
      const repo = await open(repoSpec, values).catch((err) => Promise.reject(fsUserError(err)));
      opened.push(repo);
      const outputs = [];
      for (const url of values.outputs ?? []) {
        const s = await open(repoArg(url, "--outputs REPO", HELP), values).catch((err) => Promise.reject(fsUserError(err)));
        opened.push(s);
        outputs.push(s);
      }
      const audit = auditText ? await open(repoArg(auditText, "--audit REPO", HELP), values).catch((err) => Promise.reject(fsUserError(err))) : null;
      if (audit) opened.push(audit);
      const r = await buildEvidence({
        repo,
        household,
        outputs,
        audit,
        out: values.out!,
        progress: progressReporter(values),
        ...(values.ref ? { ref: values.ref } : {}),
        ...(values.claim ? { claim: values.claim } : {}),
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        ...(values.sign ? { signKey: values.sign } : {}),
      });
      if (format === "json") return print(`${JSON.stringify(r, null, 2)}\n`);
      return print(
        `Wrote ${r.out}: ${r.images} images, ${r.runs} runs, ${r.outputs} outputs, ${r.grants} grants, ${r.files} files in manifest.json${r.fingerprint ? `, signed by ${r.fingerprint}` : ""}. Open index.html; check with \`stowage evidence check ${r.out}\`.\n`,
      );
    } catch (err) {
      throw fsUserError(err);
    } finally {
      for (const s of opened) s.close();
    }
  },
};
