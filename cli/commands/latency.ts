import type { Command } from "../command.js";
import { DEFAULT_ACCESS_MS } from "../../planner/latency/predict.js";
import { EXIT } from "../../core/exit.js";
import { FORMAT_OPTIONS, formatFlag, intFlag, parse, print } from "../options.js";

const HELP = `stowage latency [--region R…] [--target NAME=URL…] [--samples N] [--timeout MS] [--deadline MS]
                [--concurrency N] [--ca FILE] [--from PLACE] [--offline] [--access-ms MS]
                [--format table|json|csv] [--json]
       stowage latency --calibration [--json]

Measures the round trip from this machine to each region's S3 endpoint (s3.<region>.amazonaws.com:443), or to
your own targets. Per target: DNS is timed on its own and kept out of the round trip; then, per sample, a fresh
TCP connect (the headline figure), the TLS handshake, and the first byte of a small request on that connection.
One warm-up sample is discarded; the median, p90, min and max are reported, samples beyond 1.5 × IQR are flagged,
and failed samples count as lost. A target that refuses, resets, times out, or fails TLS is reported as such.

  --region R          a region code (repeatable; default every commercial region the AWS SDK knows, unless
                      --target is given)
  --target NAME=URL   also probe https://host[:port] or tcp://host:port (repeatable)
  --samples N         samples per target after the warm-up (default 5, 1–100)
  --timeout MS        per sample and for DNS (default 2000)
  --deadline MS       for the whole sweep (default 30000); unfinished targets are reported as timeouts
  --concurrency N     targets probed at once (default 8)
  --ca FILE           extra trusted CA certificates (PEM) for targets with a private CA
  --from PLACE        a city ("Columbus, OH"), "lat,lon", or a region code (us-east-2: from inside that region):
                      show the offline estimate, its 80% interval and the physical floor beside each
                      measurement, and fall back to them if there is no network
  --offline           no probes: estimate from --from (required). Between two regions: the measured inter-
                      region median (cloudping.co, one year to 2025-05-29, shipped in data/latency/). From a city
                      or coordinates: the cheapest path in through a nearby measured region (a local hop priced
                      by physics, fitted on short region pairs) and on by measured medians, plus the access term;
                      never below the floor (great-circle distance at 200,000 km/s, both ways)
  --access-ms MS      last-mile allowance for the user's own network, added to estimates from a city or
                      coordinates (default ${DEFAULT_ACCESS_MS}; none from inside a region)
  --calibration       how well the offline model fits measurements it was not fitted to (each measured region
                      left out in turn), with the data set's source and date; nothing is probed
  --format F          table (default), json or csv; --json is short for --format json

JSON: { measuredAt, from, estimated, fallback?, accessMs?, notEstimated?, results: [ { name, kind, host, port,
address, status, rttMs: { median, p90, min, max }, spreadMs, dnsMs, tlsMs, ttfbMs, samples, lost, error?,
estimated, estimateMs?, intervalMs?, floorMs?, basis?, distanceKm? } ] }. status is "ok" (measured), "estimated"
(offline: samples 0, rttMs has only the median), or why a probe failed: "unreachable", "refused", "timeout",
"tls-error", "dns-error". CSV has the same status column.

Exit codes: ${EXIT.OK} done, ${EXIT.NOTHING_MEASURED} a live run where no target answered (nothing measured; the report says why for
each, or holds estimates with --from), ${EXIT.USER} a problem you can fix (the message says how), ${EXIT.BUG} a bug.
`;

export const command: Command = {
  name: "latency",
  help: HELP,
  async run(args) {
    const { values } = parse(
      args,
      {
        region: { type: "string", multiple: true },
        target: { type: "string", multiple: true },
        samples: { type: "string" },
        timeout: { type: "string" },
        deadline: { type: "string" },
        concurrency: { type: "string" },
        ca: { type: "string" },
        from: { type: "string" },
        offline: { type: "boolean" },
        "access-ms": { type: "string" },
        calibration: { type: "boolean" },
        ...FORMAT_OPTIONS,
      },
      HELP,
    );
    if (values.help) return print(HELP);
    const request = {
      regions: values.region,
      targets: values.target ?? [],
      samples: intFlag(values.samples, "--samples", 5, 1, 100),
      timeoutMs: intFlag(values.timeout, "--timeout", 2000, 1, 60_000),
      deadlineMs: intFlag(values.deadline, "--deadline", 30_000, 1, 600_000),
      concurrency: intFlag(values.concurrency, "--concurrency", 8, 1, 64),
      caFile: values.ca,
      from: values.from,
      offline: values.offline ?? false,
      accessMs: intFlag(values["access-ms"], "--access-ms", DEFAULT_ACCESS_MS, 0, 1000),
    };
    const format = formatFlag(values, ["table", "json", "csv"] as const);
    const render = await import("../render/latency.js");
    if (values.calibration) {
      const { offlineModel } = await import("../../planner/latency/predict.js");
      return print(render.renderCalibration(offlineModel().calibration, format));
    }
    const { latencyReport } = await import("../../planner/latency/measure.js");
    // Progress on a terminal only, one line rewritten in place; cleared before the report.
    const tty = process.stderr.isTTY;
    const run = await latencyReport(request, (p) => {
      if (tty) process.stderr.write(`\r\x1b[Kprobed ${p.finished}/${p.total}: ${p.name} ${p.status}`);
    });
    if (tty && !request.offline) process.stderr.write("\r\x1b[K");
    for (const note of run.notes) process.stderr.write(`${note}\n`);
    print(render.renderLatency(run.report, format));
    if (run.nothingMeasured) {
      process.stderr.write(`Nothing measured: none of the ${run.targets} target${run.targets === 1 ? "" : "s"} answered (exit ${EXIT.NOTHING_MEASURED}).\n`);
      return EXIT.NOTHING_MEASURED;
    }
    return EXIT.OK;
  },
};
