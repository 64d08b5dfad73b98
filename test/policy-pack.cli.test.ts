/**
 * The policy pack as the Pulumi CLI runs it: dist/policy-pack's PulumiPolicy.yaml read, the pack started through
 * @pulumi/pulumi's run-policy-pack (which require()s the pack, as the CLI's policy host does), its port read from
 * stdout, then @pulumi/policy's own analyzer server asked over gRPC (the Analyzer service of @pulumi/pulumi/proto):
 * GetAnalyzerInfo, Configure (what `--policy-pack-config` becomes), AnalyzeStack with the resources of a mock run.
 * Nothing here imports the pack's code: what is judged is what the server answers.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runUnderMocks } from "../infra/mockrun.js";
import { runProgramFile } from "../infra/programFile.js";
import { ruleConfigFor } from "../infra/policy/report.js";
import { RULES } from "../infra/policy/rules.js";
import { loadOwnStack } from "../infra/loadStack.js";
import type { StackResource } from "../infra/model.js";
import { baseline } from "./fixtures/insecure/programs.js";

const PACK = resolve("dist/policy-pack");
// The gRPC stubs and message classes of the SDK the pack itself resolves, as the CLI's host would use.
const fromPack = createRequire(join(PACK, "index.js"));
const sdk = createRequire(fromPack.resolve("@pulumi/pulumi"));
const grpc = sdk("@grpc/grpc-js");
const services = sdk("./proto/analyzer_grpc_pb.js");
const messages = sdk("./proto/analyzer_pb.js");
const { Struct } = sdk("google-protobuf/google/protobuf/struct_pb.js");
const { Empty } = sdk("google-protobuf/google/protobuf/empty_pb.js");
const LEVEL = ["advisory", "mandatory", "disabled", "remediate"] as const;

interface Diagnostic {
  policy: string;
  level: (typeof LEVEL)[number];
  urn: string;
  message: string;
}

let child: ChildProcess;
let client: any;
const call = <T>(method: string, request: unknown) =>
  new Promise<T>((done, fail) => client[method](request, (err: Error | null, res: T) => (err ? fail(err) : done(res))));

beforeAll(async () => {
  const project = parse(readFileSync(join(PACK, "PulumiPolicy.yaml"), "utf8")) as { runtime: string | { name: string; options?: { nodeargs?: string } } };
  const runtime = typeof project.runtime === "string" ? { name: project.runtime } : project.runtime;
  expect(runtime.name).toBe("nodejs");
  const nodeargs = (typeof project.runtime === "object" ? project.runtime.options?.nodeargs : undefined)?.split(" ").filter(Boolean) ?? [];
  const runner = fromPack.resolve("@pulumi/pulumi/cmd/run-policy-pack");
  // As the CLI: <engine address> <pack folder>, from the pack folder. The pack only calls the engine to log.
  child = spawn(process.execPath, [...nodeargs, runner, "127.0.0.1:1", PACK], { cwd: PACK, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const port = await new Promise<number>((done, fail) => {
    child.stdout!.once("data", (d: Buffer) => done(Number(d.toString().trim())));
    child.once("exit", (code) => fail(new Error(`the pack exited (${code}) before printing its port: ${stderr}`)));
  });
  expect(port).toBeGreaterThan(0);
  client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 30_000);

afterAll(() => {
  client?.close();
  child?.kill();
});

/** Every policy at its pack level (as the CLI sends them), with the same settings for all. */
async function configure(settings: object, levels: Record<string, "advisory" | "mandatory" | "disabled"> = {}) {
  const info = await call<any>("getAnalyzerInfo", new Empty());
  const request = new messages.ConfigureAnalyzerRequest();
  for (const p of info.getPoliciesList()) {
    const config = new messages.PolicyConfig();
    config.setEnforcementlevel(LEVEL.indexOf(levels[p.getName()] ?? LEVEL[p.getEnforcementlevel()]!));
    config.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(settings))));
    request.getPolicyconfigMap().set(p.getName(), config);
  }
  await call("configure", request);
}

async function analyzeStack(stack: string, resources: readonly StackResource[]): Promise<Diagnostic[]> {
  const request = new messages.AnalyzeStackRequest();
  request.setResourcesList(
    resources.map((r) => {
      const a = new messages.AnalyzerResource();
      a.setType(r.type);
      a.setName(r.name);
      a.setUrn(`urn:pulumi:${stack}::stowage::${r.type}::${r.name}`);
      a.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.props))));
      const options = new messages.AnalyzerResourceOptions();
      options.setProtect(!!r.protect);
      a.setOptions(options);
      return a;
    }),
  );
  const response = await call<any>("analyzeStack", request);
  return response
    .getDiagnosticsList()
    .map((d: any) => ({ policy: d.getPolicyname(), level: LEVEL[d.getEnforcementlevel()]!, urn: d.getUrn(), message: d.getMessage() }));
}

describe("the policy pack, loaded and served as the Pulumi CLI does", () => {
  it("describes itself: every policy at its level, with a configuration schema", async () => {
    const info = await call<any>("getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe("stowage");
    const policies = info.getPoliciesList();
    expect(policies.map((p: any) => p.getName()).sort()).toEqual(RULES.map((r) => r.name).sort());
    for (const p of policies) {
      expect(LEVEL[p.getEnforcementlevel()]).toBe(["s3-settings-declared-once", "s3-external-access"].includes(p.getName()) ? "advisory" : "mandatory");
      expect(p.getConfigschema()?.getProperties()?.toJavaScript()).toHaveProperty("auditOwned");
    }
  });

  it("finds nothing in our prod stack, configured with the stack's own settings", async () => {
    const { cfg, resources } = await loadOwnStack(".", "prod");
    await configure(ruleConfigFor(cfg));
    expect(await analyzeStack("prod", resources)).toEqual([]);
  });

  it("reports an insecure program's holes at the right levels, the trail one advisory where the stack has no trail", async () => {
    await configure({});
    const run = await runUnderMocks("fixture", "prod", {}, () => baseline({ encryption: null, trail: false, versioning: "Suspended" }));
    const diagnostics = await analyzeStack("prod", run.resources);
    const level = (policy: string) => [...new Set(diagnostics.filter((d) => d.policy === policy).map((d) => d.level))];
    expect(level("s3-kms-encryption")).toEqual(["mandatory"]);
    expect(level("s3-versioning")).toEqual(["mandatory"]);
    expect(level("s3-cloudtrail-data-events")).toEqual(["advisory"]);
    const trail = diagnostics.find((d) => d.policy === "s3-cloudtrail-data-events")!;
    expect(trail.message).toMatch(/^Security Hub S3\.22\/S3\.23: .*\n.*declares no trail of its own/);
    expect(trail.urn).toMatch(/^urn:pulumi:prod::stowage::aws:s3\/bucket/);
  });

  it("takes levels and settings from the policy config, as `--policy-pack-config` hands them over", async () => {
    await configure({ auditOwned: true }, { "s3-versioning": "disabled", "s3-kms-encryption": "advisory" });
    const run = await runUnderMocks("fixture", "prod", {}, () => baseline({ encryption: null, trail: false, versioning: "Suspended" }));
    const diagnostics = await analyzeStack("prod", run.resources);
    const level = (policy: string) => [...new Set(diagnostics.filter((d) => d.policy === policy).map((d) => d.level))];
    expect(level("s3-versioning")).toEqual([]);
    expect(level("s3-kms-encryption")).toEqual(["advisory"]);
    expect(level("s3-cloudtrail-data-events")).toEqual(["mandatory"]);
  });
});

/** [policy, resource, level] rows, sorted, from the built `stowage policy --program DIR --json`. */
function commandFindings(dir: string): Promise<string[][]> {
  return new Promise((done, fail) =>
    execFile("node", ["dist/bundle/cli.js", "policy", "--program", dir, "--json"], (err, stdout, stderr) => {
      if (err && (err as { code?: number }).code !== 4) return fail(new Error(stderr));
      const json = JSON.parse(stdout) as { violations: { policy: string; resource: { name: string }; enforcementLevel: string }[] };
      done(json.violations.map((v) => [v.policy, v.resource.name, v.enforcementLevel]).sort((a, b) => a.join(" ").localeCompare(b.join(" "))));
    }),
  );
}

describe.each(["closures", "canary", "website", "policy-document", "teams", "cloudfront-oac", "public-site", "shared-data"])(
  "the fixture program %s, through the pack and through `stowage policy`",
  (fixture) => {
    it("gives the same findings", async () => {
      const dir = `test/fixtures/programs/${fixture}`;
      const expected = await commandFindings(dir);
      const run = await runProgramFile(dir, { stack: "dev", stackRequired: false });
      // A foreign program, as `stowage policy --program` judges it: house rules silent (houseRules: false).
      await configure({ houseRules: false });
      const diagnostics = await analyzeStack("dev", run.resources);
      const rows = diagnostics.map((d) => [d.policy, d.urn.split("::").at(-1)!, d.level]).sort((a, b) => a.join(" ").localeCompare(b.join(" ")));
      expect(expected.length).toBeGreaterThan(0);
      expect(rows).toEqual(expected);
    }, 180_000);
  },
);
