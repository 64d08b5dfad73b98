import { EXIT } from "../../core/exit.js";
import { UserError } from "../../core/errors.js";
import { textTable } from "../../core/render.js";
import type { Command } from "../command.js";
import { FORMAT_OPTIONS, STACK_DIR_OPTION, formatFlag, parse, print } from "../options.js";
import { REPO_OPTIONS, open, repoArg, s3Options } from "../repoOptions.js";

const HELP = `stowage access grant --stack NAME --bucket B --prefix uploads/HOUSEHOLD/ (--to ROLE_ARN | --urls) --for DURATION
                     --reason TEXT [--read|--write] [--stack-dir DIR] [--audit REPO] [--endpoint URL] [--region R] [--json]
stowage access log [--audit REPO | --bucket B] [--json]

grant   gives one household's objects, for a while, to someone who may not see the bucket. --prefix must be one
        household's folder (or a folder inside one) as the stack declares them (stowage:households in
        Pulumi.NAME.yaml, read from --stack-dir, default here; prod: uploads/<uploader>/<household>/): a prefix above
        that depth (uploads/cameras/) would reach every household below it and is refused. With --to ROLE_ARN: temporary credentials
        from STS AssumeRole on that role with a session policy naming only the prefix (list, read every version;
        --write also upload), and, read-only, what \`stowage evidence\` needs for it: the data layer's records
        (commits, run records, the audit log's grants) and the household's outputs under the stack's pipeline
        outputs — the session gets what both allow, never more than the role (prod: the claims team's role, which
        only reads images' uploads/, processed/ and audit/). With --endpoint, the store's own STS at that endpoint
        (Ceph RGW, MinIO). With --urls: presigned GET links to exactly the versions there now, signed with your
        own credentials. --for DURATION: whole numbers with s, m, h or d, largest first (90s, 15m, 1h30m, 2d);
        credentials last 15 minutes to 12 hours (and within the role's maximum session), links 1 second to 7 days.
        --reason is required: before anything is handed out, a record (who, to whom, what prefix, why, until
        when, the session policy or the versions) is created once in the audit repository: --audit REPO, by
        default s3://B/audit; on a bucket with a default Object Lock retention it is locked.
        JSON: { record, audit, credentials? { AccessKeyId, SecretAccessKey, SessionToken, Expiration },
        urls? [ { path, versionId, url } ] }
log     the grants recorded in the audit repository, newest first. JSON: { grants: [ record ] }
Exit codes: ${EXIT.OK} done, ${EXIT.USER} bad input, refused by STS or S3.
`;

export const command: Command = {
  name: "access",
  help: HELP,
  async run(args) {
    const { values, positionals } = parse(
      args,
      {
        bucket: { type: "string" },
        prefix: { type: "string" },
        to: { type: "string" },
        for: { type: "string" },
        read: { type: "boolean" },
        write: { type: "boolean" },
        reason: { type: "string" },
        urls: { type: "boolean" },
        audit: { type: "string" },
        stack: { type: "string" },
        ...STACK_DIR_OPTION,
        ...REPO_OPTIONS,
        ...FORMAT_OPTIONS,
      },
      HELP,
      true,
    );
    if (values.help) return print(HELP);
    const [sub, ...extra] = positionals;
    if (extra.length || (sub !== "grant" && sub !== "log"))
      throw new UserError(
        sub ? `stowage access has no subcommand ${[sub, ...extra].join(" ")}.` : "stowage access needs grant or log.",
        "See stowage access --help.",
      );
    const format = formatFlag(values, ["table", "json"] as const);
    // A grant is checked in full before anything is opened: nothing reaches the network for a refused one.
    const checked = sub === "grant" ? await checkGrant(values) : null;
    const auditText = values.audit ?? (values.bucket ? `s3://${values.bucket}/audit` : undefined);
    // Only a grant creates the audit repository: a log of one that is not there is a mistyped path, not "no grants".
    const audit = await open(repoArg(auditText, "--audit REPO (or --bucket B)", HELP), values, sub === "grant");
    const { grant, grantLog } = await import("../../datalayer/access.js");
    try {
      if (!checked) {
        const grants = await grantLog(audit);
        if (format === "json") return print(`${JSON.stringify({ grants }, null, 2)}\n`);
        return print(
          `${textTable([["issued", "by", "to", "prefix", "access", "until", "reason"], ...grants.map((g) => [g.issuedAt, g.by, g.to ?? "(URLs)", `${g.bucket}/${g.prefix}`, g.access, g.expiresAt, g.reason ?? ""])])}\n`,
        );
      }
      const { bucket, prefix, reason, households, outputs, seconds } = checked;
      const { openS3 } = await import("../../datalayer/s3Store.js");
      const target = openS3(bucket, prefix, s3Options(values));
      try {
        const g = await grant({
          target,
          bucket,
          prefix,
          ...(values.to ? { roleArn: values.to } : {}),
          households,
          outputs,
          seconds,
          access: values.write ? "write" : "read",
          reason,
          urls: !!values.urls,
          audit,
          ...(values.region ? { region: values.region } : {}),
          ...(values.endpoint ? { endpoint: s3Options(values).endpoint! } : {}),
        });
        if (format === "json") return print(`${JSON.stringify(g, null, 2)}\n`);
        const head = `Granted ${g.record.access} on s3://${g.record.bucket}/${g.record.prefix} until ${g.record.expiresAt}; recorded at ${g.audit}.\n`;
        if (g.credentials)
          return print(
            `${head}export AWS_ACCESS_KEY_ID=${g.credentials.AccessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${g.credentials.SecretAccessKey}\nexport AWS_SESSION_TOKEN=${g.credentials.SessionToken}\n`,
          );
        return print(`${head}${g.urls!.map((u) => `${u.path}\t${u.url}`).join("\n")}\n`);
      } finally {
        target.close();
      }
    } finally {
      audit.close();
    }
  },
};

type GrantValues = {
  stack?: string;
  "stack-dir"?: string;
  bucket?: string;
  prefix?: string;
  for?: string;
  reason?: string;
  read?: boolean;
  write?: boolean;
  to?: string;
  urls?: boolean;
};

/** Every check of a grant's flags, and the stack's households, before anything is opened. */
async function checkGrant(values: GrantValues) {
  const example =
    "For example: stowage access grant --stack prod --bucket images-bucket --prefix uploads/cameras/home-42/ --to ROLE_ARN --for 1h --reason 'claim 7731'";
  const missing = (["stack", "bucket", "prefix", "for", "reason"] as const).filter((k) => !values[k]?.trim()).map((k) => `--${k}`);
  if (missing.length)
    throw new UserError(`grant needs ${missing.join(", ")}${missing.includes("--reason") ? " (the reason is what the audit record is for)" : ""}.`, example);
  if (values.read && values.write) throw new UserError("--read and --write: choose one (read is the default).");
  if (!!values.to === !!values.urls) throw new UserError("grant takes --to ROLE_ARN (credentials) or --urls (links), one of them.");
  if (values.to && !/^arn:aws[\w-]*:iam::(\d{12})?:role\/.+/.test(values.to))
    throw new UserError(`--to ${values.to} is not an IAM role ARN.`, "It looks like arn:aws:iam::123456789012:role/team-claims-role");
  const { checkHousehold, parseDuration } = await import("../../datalayer/access.js");
  const { readOwnStackConfig } = await import("../../core/stack/file.js");
  const cfg = await readOwnStackConfig(values["stack-dir"] ?? ".", values.stack!);
  if (!cfg.households)
    throw new UserError(
      `Stack ${values.stack} declares no households, so no grant can be checked against them.`,
      "Add stowage:households: { prefix: uploads/, depth: 1 } (for uploads/<household>/) to its stack file.",
    );
  checkHousehold(
    values.prefix!,
    cfg.households,
    cfg.uploaders.map((u) => u.prefix),
  );
  const seconds = values.urls
    ? parseDuration(values.for!, 1, 7 * 86400, "presigned links (--urls)")
    : parseDuration(values.for!, 900, 12 * 3600, "STS credentials (--to)");
  const outputs = cfg.pipelines.map((p) => p.output);
  return { bucket: values.bucket!, prefix: values.prefix!, reason: values.reason!, households: cfg.households, outputs, seconds };
}
