import { EXIT } from "../../core/exit.js";
import type { Command } from "../command.js";
import { FORMAT_OPTIONS, endpointFlag, formatFlag, intFlag, parse, print } from "../options.js";

const HELP = `stowage verify --bucket NAME… | --stack NAME | --outputs FILE [--canary] [--endpoint URL] [--region R]
               [--http-endpoint URL] [--timeout MS] [--format table|json|markdown] [--json]

--canary also proves behaviour on each bucket: writes an object, overwrites it, reads both versions, deletes it and
expects a delete marker, expects an unencrypted upload (and a plain-HTTP one, when the endpoint has TLS) to be
refused, then removes every version it wrote under stowage-canary/ and nothing else. The plain-HTTP upload goes to
the endpoint with http://, or to --http-endpoint when the store serves plain HTTP on another port. A private CA:
NODE_EXTRA_CA_CERTS=ca.pem.
--stack NAME verifies the buckets in the stack's \`buckets\` output (through the Pulumi CLI); --outputs FILE reads
them from \`pulumi stack output --json\` instead.
--timeout MS: a request that has not connected or answered in this time is abandoned (default 10000), and so is
the whole run after 10 × that; an endpoint that accepts connections and never answers ends the run with exit ${EXIT.USER}.

Reads each bucket's versioning, default encryption, public access block, ownership controls, policy, lifecycle,
logging, replication, Object Lock and tags through the S3 API, and judges them with the policy pack's rules. Each
finding is pass, fail or unknown; unknown says why (access denied, not implemented by the server: an empty
encryption answer is not encryption). Credentials: the standard AWS chain. --endpoint for S3-compatible stores
(path-style addressing, checksums only where required). Exit codes: ${EXIT.OK} nothing failed; ${EXIT.VIOLATION} a rule failed, a bucket
does not exist or not one of its settings could be read; ${EXIT.USER} bad input, no credentials, credentials refused or
the endpoint unreachable.
JSON: { endpoint, buckets: [ { name, region, findings: [ { rule, control, status, reason?, message? } ] } ] }
`;

export const command: Command = {
  name: "verify",
  help: HELP,
  async run(args) {
    const { values } = parse(
      args,
      {
        bucket: { type: "string", multiple: true },
        stack: { type: "string" },
        outputs: { type: "string" },
        canary: { type: "boolean" },
        endpoint: { type: "string" },
        "http-endpoint": { type: "string" },
        region: { type: "string" },
        timeout: { type: "string" },
        ...FORMAT_OPTIONS,
      },
      HELP,
    );
    if (values.help) return print(HELP);
    const timeoutMs = intFlag(values.timeout, "--timeout", 10_000, 100, 600_000);
    const request = {
      buckets: values.bucket ?? [],
      ...(values.stack ? { stack: values.stack } : {}),
      ...(values.outputs ? { outputsFile: values.outputs } : {}),
      ...(values.canary ? { canary: true } : {}),
      ...(values.endpoint ? { endpoint: endpointFlag("--endpoint", values.endpoint) } : {}),
      ...(values["http-endpoint"] ? { httpEndpoint: endpointFlag("--http-endpoint", values["http-endpoint"]) } : {}),
      ...(values.region ? { region: values.region } : {}),
      timeoutMs,
    };
    const format = formatFlag(values, ["table", "json", "markdown"] as const);
    const [{ verifyReport }, { failed, renderVerify }] = await Promise.all([import("../../infra/verify/report.js"), import("../render/verify.js")]);
    const report = await verifyReport(request);
    print(renderVerify(report, format));
    return failed(report) ? EXIT.VIOLATION : EXIT.OK;
  },
};
