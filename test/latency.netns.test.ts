/**
 * Ground truth for the prober: test hosts in network namespaces with a known round trip injected between them
 * (test/support/delayline). The built `stowage latency` runs inside the client namespace, as a user would run it,
 * against servers inside the server namespace. Only these namespaces' addresses are ever probed.
 * Needs root, iproute2, python3 and openssl (.ci/run installs them; CI runs as root).
 */
import { execFile } from "node:child_process";
import { afterEach, expect, it } from "vitest";
import { delayLineUnavailable, delayLineUp, type DelayLine, type DelayLineOptions } from "./support/delayline.js";
import { makeCerts, type TestCerts } from "./support/certs.js";
import { INSTALL, describeRealPart } from "./support/realParts.js";
import type { ReportEntry } from "../planner/latency/report.js";

const unavailable = delayLineUnavailable();
let line: DelayLine | undefined;
afterEach(async () => {
  await line?.down();
  line = undefined;
});

const PORTS = { tls: 8443, self: 8444, tcp: 9000, closed: 9999 };

/** A delay line with the test server running in its server namespace. */
async function testHosts(idx: number, opts: DelayLineOptions): Promise<{ line: DelayLine; certs: TestCerts }> {
  line = await delayLineUp(`stowlat${idx}`, idx, opts);
  const certs = makeCerts([line.serverIp]);
  const server = line.spawnIn(line.serverNs, process.execPath, [
    "test/support/latency-server.mjs", "--host", line.serverIp,
    "--tls-port", String(PORTS.tls), "--cert", certs.cert, "--key", certs.key,
    "--self-port", String(PORTS.self), "--self-cert", certs.selfCert, "--self-key", certs.selfKey,
    "--tcp-port", String(PORTS.tcp),
  ]);
  await new Promise<void>((resolve, reject) => {
    server.stdout!.once("data", () => resolve());
    server.once("exit", (code) => reject(new Error(`test server exited with ${code}`)));
  });
  return { line, certs };
}

interface LatencyRun {
  readonly results: ReportEntry[];
  readonly wallMs: number;
  readonly code: number;
}

/** Runs the built command inside the client namespace and reads its JSON. */
function latencyFrom(l: DelayLine, args: string[]): Promise<LatencyRun> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile("ip", ["netns", "exec", l.clientNs, process.execPath, "dist/bundle/cli.js", "latency", "--format", "json", ...args], (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      try {
        resolve({ results: JSON.parse(stdout).results, wallMs: performance.now() - t0, code });
      } catch {
        reject(new Error(`stowage latency failed (${code}): ${stderr}`));
      }
    });
  });
}

const byName = (run: LatencyRun, name: string) => run.results.find((r) => r.name === name)!;

describeRealPart("stowage latency against test hosts with an injected delay", unavailable, INSTALL.netns, () => {
  for (const [i, rtt] of [0, 5, 50, 150].entries()) {
    it(`measures a ${rtt} ms round trip within max(1 ms, 2%), with TLS and first byte one more round trip each`, async () => {
      const { line: l, certs } = await testHosts(61 + i, { rttMs: rtt });
      // Three runs of the command. The test harness can only add delay (the relay's own work, a stalled vCPU: the
      // research note measured +0.14 to +0.56 ms on the median, never below), and a VM stall can shift a whole run;
      // so the figure judged is the lowest of the three run medians, and it must sit within the tolerance on both
      // sides of the injected delay: a prober that under-reads fails as surely as one that over-reads.
      const runs: LatencyRun[] = [];
      for (let k = 0; k < 3; k++) {
        runs.push(await latencyFrom(l, [
          "--target", `tcp=tcp://${l.serverIp}:${PORTS.tcp}`, "--target", `tls=https://${l.serverIp}:${PORTS.tls}`,
          "--ca", certs.ca, "--samples", "7", "--concurrency", "1",
        ]));
      }
      const lowest = (xs: number[]) => Math.min(...xs);
      const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
      const tolerance = Math.max(1, 0.02 * rtt);
      // The headline figure is judged on the plain TCP target. The TLS target's connects follow its own previous
      // handshake and teardown on the same path, so they get a looser sanity bound; its phases are judged below.
      for (const [name, bound] of [["tcp", tolerance], ["tls", Math.max(2, 0.03 * rtt)]] as const) {
        for (const run of runs) expect(byName(run, name), name).toMatchObject({ status: "ok", lost: 0 });
        const median = lowest(runs.map((run) => byName(run, name).rttMs!.median));
        expect(Math.abs(median - rtt), `${name}: median ${median} for ${rtt} injected (runs: ${runs.map((run) => byName(run, name).rttMs!.median).join(", ")})`).toBeLessThanOrEqual(bound);
      }
      // TLS 1.3 costs one round trip plus the handshake's own CPU time; the request one round trip plus the server's.
      const slack = Math.max(8, 0.1 * rtt);
      for (const phase of ["tlsMs", "ttfbMs"] as const) {
        const value = mid(runs.map((run) => byName(run, "tls")[phase]!));
        expect(value, `${phase} ${value} for ${rtt}`).toBeGreaterThanOrEqual(rtt - tolerance);
        expect(value, `${phase} ${value} for ${rtt}`).toBeLessThanOrEqual(rtt + slack);
      }
      expect(byName(runs[0]!, "tcp").tlsMs).toBeNull();
    });
  }

  it("reports refused, TLS errors and unreachable targets with their reasons, beside a healthy one", async () => {
    const { line: l, certs } = await testHosts(65, { rttMs: 5 });
    const run = await latencyFrom(l, [
      "--target", `ok=https://${l.serverIp}:${PORTS.tls}`,
      "--target", `refused=tcp://${l.serverIp}:${PORTS.closed}`,
      "--target", `selfsigned=https://${l.serverIp}:${PORTS.self}`,
      "--target", `nowhere=tcp://10.77.65.3:${PORTS.tcp}`,
      "--ca", certs.ca, "--samples", "3",
    ]);
    expect(run.code).toBe(0);
    expect(byName(run, "ok")).toMatchObject({ status: "ok", lost: 0 });
    expect(byName(run, "refused")).toMatchObject({ status: "refused", lost: 3, error: "connection refused (ECONNREFUSED)" });
    expect(byName(run, "selfsigned")).toMatchObject({ status: "tls-error", lost: 3 });
    expect(byName(run, "selfsigned").error).toMatch(/self-signed certificate/);
    expect(byName(run, "nowhere")).toMatchObject({ status: "unreachable", lost: 3 });
    // Without the private CA, the same healthy server is a TLS error: certificates are verified.
    const strict = await latencyFrom(l, ["--target", `ok=https://${l.serverIp}:${PORTS.tls}`, "--samples", "1"]);
    expect(byName(strict, "ok")).toMatchObject({ status: "tls-error" });
  });

  it("counts lost samples on a lossy path and still reports the round trip", async () => {
    const { line: l } = await testHosts(66, { rttMs: 10, loss: 0.3, seed: 7 });
    const run = await latencyFrom(l, ["--target", `tcp=tcp://${l.serverIp}:${PORTS.tcp}`, "--samples", "20", "--timeout", "400"]);
    const r = byName(run, "tcp");
    expect(r.status).toBe("ok");
    expect(r.lost).toBeGreaterThan(0);
    expect(r.lost).toBeLessThan(20);
    expect(r.rttMs!.median).toBeGreaterThanOrEqual(9.5);
    expect(r.rttMs!.median).toBeLessThan(15);
  });

  it("times out a black-holed host inside the deadline", async () => {
    const { line: l } = await testHosts(67, { rttMs: 5, loss: 1 });
    const run = await latencyFrom(l, ["--target", `hole=tcp://${l.serverIp}:${PORTS.tcp}`, "--samples", "5", "--timeout", "500", "--deadline", "1500"]);
    const r = byName(run, "hole");
    expect(r).toMatchObject({ status: "timeout", lost: 5, rttMs: null });
    // Node's start-up and JSON output on top of the 1.5 s deadline.
    expect(run.wallMs).toBeLessThan(1500 + 1500);
  });
});
