/**
 * The evidence bundle's documented, versioned schema (`evidence.json`), stated once here: the bundle writer and
 * `evidence check` validate with it, and the JSON Schema written beside the file (`evidence.schema.json`) is
 * generated from it, so a reader without Stowage can validate the file too. A new field is a minor change (readers
 * ignore what they do not know); renaming or removing one raises the number in `schema`.
 */
import * as z from "zod";

export const EVIDENCE_SCHEMA = "stowage.evidence/1";
export const MANIFEST_SCHEMA = "stowage.evidence-manifest/1";

const sha = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .describe("SHA-256, lowercase hex");
const time = z.string().describe("ISO 8601 time (UTC)");

const Retention = z
  .object({
    mode: z.string().nullable().describe("Object Lock mode (GOVERNANCE or COMPLIANCE); null: no retention"),
    until: time.nullable().describe("when the retention ends"),
    legalHold: z.boolean(),
    inForce: z.boolean().describe("when the bundle was made: a legal hold, or a retention date still ahead"),
  })
  .nullable()
  .describe("the object version's Object Lock as the store reported it; null where the store reports none (a folder)");

const StoredFile = {
  repo: z.string().describe("the repository: s3://bucket/prefix or a folder"),
  path: z.string().describe("repo-relative path"),
  versionId: z.string().describe("S3 versionId, or in a folder the content's SHA-256"),
  size: z.number().int().nonnegative(),
  sha256: sha,
  uploadedAt: time.nullable().describe("when the store accepted this version (S3 LastModified)"),
  retention: Retention,
};

export const Image = z.object({
  ...StoredFile,
  file: z.string().describe("the copy in this bundle, relative to the bundle folder"),
});

export const Output = z.object({
  ...StoredFile,
  run: z.string().describe("the run that wrote it"),
  datum: z.string(),
  from: z.array(z.object({ repo: z.string(), path: z.string(), versionId: z.string() })).describe("the datum's inputs"),
});

export const Run = z.object({
  id: z.string(),
  name: z.string(),
  command: z.array(z.string()),
  code: z.record(z.string(), z.unknown()).describe("the code's identity: --code-version, or git commit and hashes of named files"),
  startedAt: time,
  endedAt: time,
  status: z.string(),
  who: z.string(),
  host: z.string(),
  input: z.object({ repo: z.string(), commit: z.string() }),
  output: z.object({ repo: z.string(), branch: z.string(), commit: z.string().nullable() }),
  datums: z.array(z.string()).describe("the datums of this run that read the household's data"),
  recordSha256: sha.describe("SHA-256 of the run record's canonical JSON (sorted keys, no spaces) as stored"),
});

export const Grant = z.object({
  id: z.string(),
  issuedAt: time,
  expiresAt: time,
  by: z.string().describe("who granted"),
  to: z.string().nullable().describe("the role given credentials; null for presigned links"),
  bucket: z.string(),
  prefix: z.string(),
  access: z.string(),
  reason: z.string().nullable(),
  mode: z.string(),
  recordSha256: sha.describe("SHA-256 of the audit record's canonical JSON"),
});

export const Evidence = z.object({
  schema: z.literal(EVIDENCE_SCHEMA),
  createdAt: time,
  createdBy: z.string(),
  host: z.string(),
  claim: z.string().nullable(),
  household: z.string().describe("the household's prefix in the bucket, e.g. uploads/home-42/"),
  range: z.object({ from: time.nullable(), to: time.nullable() }).describe("upload times included (inclusive); null: open"),
  repo: z.string(),
  commit: z.string().describe("the repository commit whose files were examined"),
  audit: z.string().nullable().describe("the audit repository the grants were read from"),
  signer: z
    .object({ algorithm: z.literal("Ed25519"), fingerprint: z.string(), publicKey: z.string() })
    .nullable()
    .describe("who signed manifest.json (signature.json); fingerprint: SHA-256 of the SubjectPublicKeyInfo DER"),
  images: z.array(Image),
  runs: z.array(Run),
  outputs: z.array(Output),
  grants: z.array(Grant),
});
export type Evidence = z.infer<typeof Evidence>;
export type EvidenceImage = z.infer<typeof Image>;
export type EvidenceOutput = z.infer<typeof Output>;
export type EvidenceRun = z.infer<typeof Run>;
export type EvidenceGrant = z.infer<typeof Grant>;

export const Manifest = z.object({
  schema: z.literal(MANIFEST_SCHEMA),
  algorithm: z.literal("sha256"),
  files: z
    .array(z.object({ path: z.string(), size: z.number().int().nonnegative(), sha256: sha }))
    .describe("every file of the bundle but manifest.json and signature.json"),
});
export type Manifest = z.infer<typeof Manifest>;

export const Signature = z.object({
  algorithm: z.literal("Ed25519"),
  signed: z.literal("manifest.json"),
  publicKey: z.string().describe("SubjectPublicKeyInfo, PEM"),
  fingerprint: z.string(),
  signature: z.string().describe("base64"),
});
export type Signature = z.infer<typeof Signature>;

/** The JSON Schema of evidence.json, written beside it. */
export function evidenceJsonSchema(): unknown {
  return { $id: EVIDENCE_SCHEMA, title: "Stowage evidence bundle", ...(z.toJSONSchema(Evidence, { unrepresentable: "any" }) as object) };
}
