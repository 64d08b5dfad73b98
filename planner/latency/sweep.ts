/**
 * A sweep probes many targets at once, with bounded concurrency and one deadline for everything. A target that
 * has not finished by the deadline is reported as a timeout; nothing can stall the sweep.
 */
import { setMaxListeners } from "node:events";
import { probe, type ProbeOptions, type ProbeResult, type Target } from "./probe.js";

export type SweepEvent =
  | { readonly type: "start"; readonly target: Target }
  | { readonly type: "sample"; readonly target: Target; readonly done: number; readonly total: number }
  | { readonly type: "done"; readonly target: Target; readonly result: ProbeResult };

export interface SweepOptions extends Omit<ProbeOptions, "signal" | "onSample"> {
  /** Targets probed at the same time (default 8). */
  readonly concurrency?: number;
  /** The whole sweep's deadline in ms (default 30,000). */
  readonly deadlineMs?: number;
  readonly onEvent?: (e: SweepEvent) => void;
}

export interface SweepResult {
  readonly results: ProbeResult[];
  readonly wallMs: number;
}

export async function sweep(targets: readonly Target[], opts: SweepOptions = {}): Promise<SweepResult> {
  const started = performance.now();
  const deadline = AbortSignal.timeout(opts.deadlineMs ?? 30_000);
  setMaxListeners(0, deadline); // every in-flight sample listens to it
  const results: ProbeResult[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index]!;
      if (deadline.aborted) {
        const samples = opts.samples ?? 5;
        results[index] = {
          name: target.name,
          kind: target.kind,
          host: target.host,
          port: target.port,
          address: null,
          status: "timeout",
          rttMs: null,
          spreadMs: null,
          dnsMs: null,
          tlsMs: null,
          ttfbMs: null,
          samples,
          lost: samples,
          error: "not started before the sweep deadline",
        };
      } else {
        opts.onEvent?.({ type: "start", target });
        results[index] = await probe(target, {
          ...opts,
          signal: deadline,
          onSample: (done, total) => opts.onEvent?.({ type: "sample", target, done, total }),
        });
      }
      opts.onEvent?.({ type: "done", target, result: results[index]! });
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? 8, targets.length));
  await Promise.all(Array.from({ length: n }, worker));
  return { results, wallMs: performance.now() - started };
}
