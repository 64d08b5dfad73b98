/**
 * `npm run bench` (latency part): how close `stowage latency` gets to a known round trip, how long a sweep takes
 * against its floor, and how many probes a second it runs. Test hosts in network namespaces with an injected delay
 * (test/support/delayline); needs root. Prints figures; asserts nothing.
 */
import { EXIT } from "../core/exit.js";
import { execFileSync } from "node:child_process";
import { makeCerts } from "../test/support/certs.js";
import { delayLineUnavailable, delayLineUp, type DelayLine } from "../test/support/delayline.js";
import type { LatencyReport } from "../planner/latency/report.js";

const why = delayLineUnavailable();
if (why) {
  console.log(`latency benchmark skipped: ${why}`);
  process.exit(EXIT.OK);
}

async function withHosts<T>(idx: number, rttMs: number, fn: (l: DelayLine, ca: string) => T): Promise<T> {
  const l = await delayLineUp(`stowbench${idx}`, idx, { rttMs });
  try {
    const certs = makeCerts([l.serverIp]);
    const server = l.spawnIn(l.serverNs, process.execPath, [
      "test/support/latency-server.mjs",
      "--host",
      l.serverIp,
      "--tls-port",
      "8443",
      "--cert",
      certs.cert,
      "--key",
      certs.key,
      "--tcp-port",
      "9000",
    ]);
    await new Promise((r) => server.stdout!.once("data", r));
    return fn(l, certs.ca);
  } finally {
    await l.down();
  }
}

function run(l: DelayLine, args: string[]): { report: LatencyReport; wallMs: number } {
  const t0 = performance.now();
  const out = execFileSync("ip", ["netns", "exec", l.clientNs, process.execPath, "dist/bundle/cli.js", "latency", "--format", "json", ...args], {
    encoding: "utf8",
  });
  return { report: JSON.parse(out) as LatencyReport, wallMs: performance.now() - t0 };
}

console.log("stowage latency benchmark (test hosts in network namespaces, delay injected by the relay)");
console.log("  injected   tcp median   error    tls phase   first byte   (7 samples, after 1 warm-up)");
for (const [i, rtt] of [0, 5, 50, 150].entries()) {
  await withHosts(71 + i, rtt, (l, ca) => {
    const { report } = run(l, ["--target", `t=https://${l.serverIp}:8443`, "--ca", ca, "--samples", "7", "--concurrency", "1"]);
    const r = report.results[0]!;
    const m = r.rttMs!.median;
    const err = m - rtt;
    console.log(
      `  ${String(rtt).padStart(5)} ms  ${m.toFixed(2).padStart(8)} ms  ${(err >= 0 ? "+" : "") + err.toFixed(2)} ms  ${r.tlsMs!.toFixed(2).padStart(8)} ms  ${r.ttfbMs!.toFixed(2).padStart(9)} ms`,
    );
  });
}

await withHosts(75, 150, (l, ca) => {
  const targets = Array.from({ length: 8 }, (_, k) => ["--target", `t${k}=https://${l.serverIp}:8443`]).flat();
  const samples = 5;
  const { report, wallMs } = run(l, [...targets, "--ca", ca, "--samples", String(samples), "--concurrency", "8"]);
  const slowest = Math.max(...report.results.map((r) => r.rttMs?.median ?? 0));
  // Each https sample is three round trips (TCP, TLS 1.3, request); plus the warm-up sample.
  const floor = slowest * 3 * (samples + 1);
  console.log(`  sweep: 8 https targets at 150 ms, ${samples} samples, concurrency 8: wall ${wallMs.toFixed(0)} ms (process included)`);
  console.log(`         slowest RTT × 3 round trips × (samples + warm-up) = ${floor.toFixed(0)} ms; wall / that = ${(wallMs / floor).toFixed(2)}`);
});

await withHosts(76, 0, (l) => {
  const n = 32;
  const samples = 10;
  const targets = Array.from({ length: n }, (_, k) => ["--target", `t${k}=tcp://${l.serverIp}:9000`]).flat();
  const { wallMs } = run(l, [...targets, "--samples", String(samples), "--concurrency", "8"]);
  const probes = n * (samples + 1);
  console.log(
    `  throughput: ${probes} TCP probes (${n} targets × ${samples} samples + warm-up, concurrency 8) in ${wallMs.toFixed(0)} ms: ${(probes / (wallMs / 1000)).toFixed(0)} probes/s, process start-up included`,
  );
});
