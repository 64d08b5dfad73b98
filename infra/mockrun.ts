/**
 * Runs the Stowage program (or any program function) under the Pulumi engine's own mocks and returns what it
 * registered: each resource's type, name, id, inputs-as-state and options. `stowage policy` judges this; the tests
 * assert on it. Nothing reaches a cloud.
 */
import { AsyncLocalStorage, createHook } from "node:async_hooks";
import * as pulumi from "@pulumi/pulumi";
import type { StackResource } from "./model.js";

export const MOCK_ACCOUNT = "123456789012";

/** How long a program's own timers may keep it running after its last registration. */
const PROGRAM_TIMERS_LIMIT_MS = 30_000;

/** The runtime's wait for its RPC queue to drain (exported by @pulumi/pulumi's runtime, not in its typings). */
const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs;

export interface MockRun<T> {
  readonly resources: (StackResource & { retainOnDelete: boolean })[];
  readonly result: T;
}

/**
 * The program failed after it started (a throw, a rejected output, a closure the serialiser refused): `pulumi preview`
 * would stop with this error. `resources` holds what the program had registered by then.
 */
export class ProgramFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly resources: MockRun<unknown>["resources"],
  ) {
    super(String((error as Error)?.message ?? error));
    this.name = "ProgramFailure";
  }
}

function arnFor(type: string, name: string, id: string, region: string | undefined): string {
  switch (type) {
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2":
      return `arn:aws:s3:::${id}`;
    case "aws:kms/key:Key":
      return `arn:aws:kms:${region}:${MOCK_ACCOUNT}:key/${name}`;
    case "aws:iam/role:Role":
      return `arn:aws:iam::${MOCK_ACCOUNT}:role/${name}`;
    case "aws:sqs/queue:Queue":
      return `arn:aws:sqs:${region}:${MOCK_ACCOUNT}:${name}`;
    case "aws:cloudwatch/logGroup:LogGroup":
      return `arn:aws:logs:${region}:${MOCK_ACCOUNT}:log-group:${name}`;
    default:
      return `arn:aws:mock:::${name}`;
  }
}

/**
 * Sets the config, installs the mocks, runs `program` inside a root stack (as `pulumi up` does, so a stack
 * transformation can record each resource's options), and waits until registrations stop.
 */
export async function runUnderMocks<T>(
  project: string,
  stack: string,
  config: Record<string, unknown>,
  program: () => T | Promise<T>,
  opts: { preview?: boolean } = {},
): Promise<MockRun<T>> {
  const resources: MockRun<T>["resources"] = [];
  const options = new Map<string, { protect: boolean; retainOnDelete: boolean }>();
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])));
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        // A bucket's id is its name: the one the program gives (`bucket`), else an auto-name like the provider's.
        const id =
          args.type === "aws:s3/bucket:Bucket" || args.type === "aws:s3/bucketV2:BucketV2"
            ? (args.inputs.bucket ?? (args.inputs.bucketPrefix ? `${args.inputs.bucketPrefix}20261202000000000001` : `${args.name}-bucket`))
            : args.type === "aws:iam/role:Role"
              ? (args.inputs.name ?? args.name) // a role's id is its name
              : `${args.name}-id`;
        // Outputs the provider would add: a bucket's name (its id), a key's id, a queue's URL.
        const extra =
          args.type === "aws:kms/key:Key"
            ? { keyId: args.name }
            : args.type === "aws:sqs/queue:Queue"
              ? { url: `https://sqs/${args.name}`, name: args.inputs.name ?? args.name }
              : args.type === "aws:ecs/cluster:Cluster" || args.type === "aws:ecs/service:Service" || args.type === "aws:cloudwatch/logGroup:LogGroup"
                ? { name: args.inputs.name ?? args.name }
                : args.type === "aws:s3/bucket:Bucket" || args.type === "aws:s3/bucketV2:BucketV2"
                  ? // The domain names a distribution's origin or logging config is given (bucket.bucketRegionalDomainName).
                    {
                      bucket: id,
                      bucketDomainName: `${id}.s3.amazonaws.com`,
                      bucketRegionalDomainName: `${id}.s3.${args.inputs.region ?? pulumi.runtime.getConfig("aws:region") ?? "us-east-1"}.amazonaws.com`,
                    }
                  : args.type === "aws:iam/role:Role"
                    ? { name: id }
                    : {};
        const state = { ...args.inputs, arn: arnFor(args.type, args.name, id, args.inputs.region), ...extra };
        const opts = options.get(`${args.type}::${args.name}`) ?? { protect: false, retainOnDelete: false };
        resources.push({ type: args.type, name: args.name, id, props: state, ...opts });
        return { id, state };
      },
      call(args) {
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity")
          return { accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:root`, userId: "AIDAEXAMPLE", id: MOCK_ACCOUNT };
        if (args.token === "aws:index/getRegion:getRegion") return { name: "us-east-1", region: "us-east-1", id: "us-east-1" };
        // Computed locally by the provider at preview, so a policy built this way is known then and must be judged.
        if (args.token === "aws:iam/getPolicyDocument:getPolicyDocument") {
          const json = JSON.stringify(policyDocumentOf(args.inputs as PolicyDocumentArgs));
          return { json, minifiedJson: json, id: String(json.length) };
        }
        return {};
      },
    },
    project,
    stack,
    // As `pulumi preview` runs a program (isDryRun() true) when asked; Stowage's own stacks run as an update.
    opts.preview ?? false,
  );
  // The mock monitor answers that it takes resource references, so a resource passed as another's input
  // (`bucket: siteBucket`, as pulumi/examples' aws-ts-s3-folder does) would reach newResource as a Resource rebuilt
  // from its URN, whose outputs never resolve: the run hangs. A provider is handed the resource's id instead (the
  // engine downgrades references for providers that do not take them); so is this mock. The runtime asks the monitor
  // again when the stack starts, so the monitor itself answers no.
  type FeatureMonitor = { supportsFeature(req: { getId(): string }, done: (err: unknown, res: { getHassupport(): boolean }) => void): void };
  const monitor = (pulumi.runtime as unknown as { getMonitor(): FeatureMonitor }).getMonitor();
  const supportsFeature = monitor.supportsFeature.bind(monitor);
  monitor.supportsFeature = (req, done) => (req.getId() === "resourceReferences" ? done(null, { getHassupport: () => false }) : supportsFeature(req, done));
  let result!: T;
  // The stack resource runs the program in its own initialisation, which nobody awaits: a program that throws would
  // surface as an unhandled rejection. Caught here, it is thrown to the caller instead.
  let failure: { error: unknown } | null = null;
  // A failure inside a registration (serialising a Lambda's closure, an `apply` that throws) is a rejection nobody
  // awaits, or an exception thrown from a callback: under `pulumi` it ends the program with that error. Here it is
  // the program's error too, not the end of this process (and of the report).
  const onAsyncFailure = (error: unknown) => {
    failure ??= { error };
  };
  process.on("unhandledRejection", onAsyncFailure);
  process.on("uncaughtException", onAsyncFailure);
  // A registration that never settles (the closure serialiser stuck on a captured value) leaves nothing to run: Node
  // would exit mid-run, silently, with Pulumi's "promises were still active". Here the program failed, with that said.
  let onDrained = () => {};
  const drained = new Promise<never>((_, reject) => {
    onDrained = () =>
      reject(
        new ProgramFailure(
          new Error("its registrations never completed (Pulumi left promises unsettled: a closure it could not serialise, or a cycle between resources)"),
          resources,
        ),
      );
  });
  process.once("beforeExit", onDrained);
  try {
    return await Promise.race([registered(), drained]);
  } finally {
    process.off("beforeExit", onDrained);
    process.off("unhandledRejection", onAsyncFailure);
    process.off("uncaughtException", onAsyncFailure);
  }

  async function registered(): Promise<MockRun<T>> {
    const pending = programTimers();
    const typeChains = new WeakMap<pulumi.Resource, string>();
    const urns = new Set<string>();
    await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        // The engine refuses a second resource with the same URN (type chain + name); so does this run, or a program
        // that declares one thing twice would be judged as two (e.g. a replica region listed twice).
        const chain = `${args.opts.parent ? (typeChains.get(args.opts.parent) ?? "") + "$" : ""}${args.type}`;
        typeChains.set(args.resource, chain);
        const urn = `${chain}::${args.name}`;
        if (urns.has(urn))
          throw new Error(`Duplicate resource URN ${JSON.stringify(urn)}: ${args.type} "${args.name}" is declared twice; give it a unique name`);
        urns.add(urn);
        options.set(`${args.type}::${args.name}`, { protect: !!args.opts.protect, retainOnDelete: !!args.opts.retainOnDelete });
        return undefined;
      });
      try {
        result = await pending.track(program);
      } catch (error) {
        failure = { error };
      }
      return undefined;
    });
    if (failure) {
      // Let the registrations already made settle first, or they would reach the next run's mocks.
      await waitForRPCs().catch(() => {});
      pending.stop();
      throw new ProgramFailure((failure as { error: unknown }).error, resources);
    }
    // Done when the engine and the program say so, as `pulumi` is when the program's process ends: every
    // registration and its outputs settled (the runtime's RPC queue), and no timer the program started still to
    // fire (a registration it would make then). Not after a quiet spell that a slow machine or a late closure outlasts.
    // A program whose timers never stop (an interval it never clears) would keep `pulumi` waiting too; here it ends.
    const until = Date.now() + PROGRAM_TIMERS_LIMIT_MS;
    let endless = false;
    for (;;) {
      try {
        await waitForRPCs();
      } catch (error) {
        failure ??= { error };
      }
      if (failure || !(await pending.fired())) break;
      if (Date.now() >= until) {
        endless = true;
        break;
      }
    }
    pending.stop();
    // Let a rejection of the last registration reach the handler above before the run is called done.
    await new Promise((r) => setImmediate(r));
    if (failure) throw new ProgramFailure((failure as { error: unknown }).error, resources);
    if (endless)
      throw new ProgramFailure(
        new Error(
          `the program still had timers running after ${PROGRAM_TIMERS_LIMIT_MS / 1000} s (an interval it never clears?); pulumi would wait for them too`,
        ),
        resources,
      );
    return { resources, result };
  }
}

interface PolicyDocumentArgs {
  readonly version?: string;
  readonly statements?: readonly {
    sid?: string;
    effect?: string;
    actions?: string[];
    notActions?: string[];
    resources?: string[];
    notResources?: string[];
    principals?: { type: string; identifiers: string[] }[];
    notPrincipals?: { type: string; identifiers: string[] }[];
    conditions?: { test: string; variable: string; values: string[] }[];
  }[];
}

/** aws.iam.getPolicyDocument's JSON, as the provider writes it (one value stays a string; `*` principals stay `*`). */
function policyDocumentOf(args: PolicyDocumentArgs) {
  const one = (v: string[]) => (v.length === 1 ? v[0] : v);
  const principal = (ps: { type: string; identifiers: string[] }[]) =>
    ps.length === 1 && ps[0]!.type === "*" ? "*" : Object.fromEntries(ps.map((p) => [p.type, one(p.identifiers)]));
  return {
    Version: args.version ?? "2012-10-17",
    Statement: (args.statements ?? []).map((st) => ({
      ...(st.sid ? { Sid: st.sid } : {}),
      Effect: st.effect ?? "Allow",
      ...(st.actions ? { Action: one(st.actions) } : {}),
      ...(st.notActions ? { NotAction: one(st.notActions) } : {}),
      ...(st.resources ? { Resource: one(st.resources) } : {}),
      ...(st.notResources ? { NotResource: one(st.notResources) } : {}),
      ...(st.principals ? { Principal: principal(st.principals) } : {}),
      ...(st.notPrincipals ? { NotPrincipal: principal(st.notPrincipals) } : {}),
      ...(st.conditions
        ? {
            Condition: st.conditions.reduce<Record<string, Record<string, unknown>>>(
              (c, x) => ({ ...c, [x.test]: { ...c[x.test], [x.variable]: one(x.values) } }),
              {},
            ),
          }
        : {}),
    })),
  };
}

/**
 * Timers started by the program (and by whatever it started), tracked through the async context they were made in:
 * `fired()` waits for the next one to fire and says whether there was one. Timers of the rest of the process (a test
 * runner's, the SDK's) are not the program's and are not waited for.
 */
function programTimers() {
  const program = new AsyncLocalStorage<true>();
  const timers = new Map<number, () => void>();
  const hook = createHook({
    init(id, type) {
      if (type === "Timeout" && program.getStore()) timers.set(id, () => {});
    },
    before(id) {
      timers.get(id)?.();
    },
    destroy(id) {
      timers.get(id)?.();
      timers.delete(id);
    },
  }).enable();
  return {
    track: <T>(fn: () => T) => program.run(true, fn),
    async fired(): Promise<boolean> {
      if (timers.size === 0) return false;
      await new Promise<void>((resolve) => {
        for (const id of timers.keys()) timers.set(id, resolve);
      });
      // Let the timer's callback and what it registers run before the engine is asked again.
      await new Promise((r) => setImmediate(r));
      return true;
    },
    stop: () => hook.disable(),
  };
}
