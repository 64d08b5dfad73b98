/**
 * Measures one target like a network engineer would: DNS timed on its own and kept out of the round trip, then
 * per sample a fresh TCP connection (the headline round trip), the TLS handshake on it, and the time to the first
 * byte of a small request on that already-open connection. One warm-up sample is discarded. Every sample has a
 * timeout; the caller's signal (the sweep deadline) stops everything at once.
 */
import { Resolver, lookup } from "node:dns/promises";
import { isIP, connect as tcpConnect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { UserError } from "../../core/errors.js";
import { ms, summarize } from "./stats.js";

export type Status = "ok" | "unreachable" | "refused" | "timeout" | "tls-error" | "dns-error";

export interface Target {
  readonly name: string;
  readonly kind: "region" | "target";
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

export interface ProbeOptions {
  /** Samples measured after the warm-up (default 5). */
  readonly samples?: number;
  /** Per sample, and for the DNS look-up (default 2,000 ms). */
  readonly timeoutMs?: number;
  /** Aborts every phase (the sweep's deadline). */
  readonly signal?: AbortSignal;
  /** Extra trusted CA certificates (PEM), for an on-premises store with a private CA. */
  readonly ca?: string;
  /** Called after each measured sample, for progress bars. */
  readonly onSample?: (done: number, total: number) => void;
}

export interface ProbeResult {
  readonly name: string;
  readonly kind: "region" | "target";
  readonly host: string;
  readonly port: number;
  /** The address connected to (after DNS). */
  readonly address: string | null;
  readonly status: Status;
  /** TCP connect round trip; null when no sample succeeded. An estimate has only a median. */
  readonly rttMs: { median: number; p90: number | null; min: number | null; max: number | null } | null;
  /** Interquartile spread and the samples outside 1.5 × IQR. */
  readonly spreadMs: { q1: number; q3: number; iqr: number; outliers: number[] } | null;
  readonly dnsMs: number | null;
  /** Medians over the successful samples. */
  readonly tlsMs: number | null;
  readonly ttfbMs: number | null;
  /** Samples attempted (warm-up excluded) and how many failed. */
  readonly samples: number;
  readonly lost: number;
  readonly error?: string;
}

interface Timing {
  readonly tcp: number;
  readonly tls: number | null;
  readonly ttfb: number | null;
}

class ProbeFailure extends Error {
  constructor(
    readonly status: Exclude<Status, "ok" | "dns-error">,
    message: string,
  ) {
    super(message);
  }
}

export function regionTarget(code: string): Target {
  return { name: code, kind: "region", host: `s3.${code}.amazonaws.com`, port: 443, tls: true };
}

/** `NAME=https://host[:port]` or `NAME=tcp://host:port`. */
export function parseTargetSpec(spec: string): Target {
  const eq = spec.indexOf("=");
  const name = eq > 0 ? spec.slice(0, eq).trim() : "";
  const url = eq > 0 ? spec.slice(eq + 1).trim() : "";
  const bad = (why: string) =>
    new UserError(`--target ${spec}: ${why}.`, "Write NAME=https://host[:port] or NAME=tcp://host:port, e.g. onprem=https://s3.example.internal:9000.");
  if (!name || !url) throw bad("expected NAME=URL");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad(`"${url}" is not a URL`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (parsed.protocol === "https:") return { name, kind: "target", host, port: Number(parsed.port || 443), tls: true };
  if (parsed.protocol === "tcp:") {
    if (!parsed.port) throw bad("a tcp:// target needs a port");
    return { name, kind: "target", host, port: Number(parsed.port), tls: false };
  }
  throw bad(`the scheme ${parsed.protocol.replace(/:$/, "")} is not https or tcp`);
}

const UNREACHABLE = new Set(["EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "ECONNRESET", "EPIPE", "EADDRNOTAVAIL", "ECONNABORTED"]);

function classify(err: NodeJS.ErrnoException, phase: "tcp" | "tls" | "ttfb"): ProbeFailure {
  if (err instanceof ProbeFailure) return err;
  const code = err.code ?? "";
  if (code === "ECONNREFUSED") return new ProbeFailure("refused", `connection refused (${code})`);
  if (code === "ETIMEDOUT") return new ProbeFailure("timeout", `timed out (${code})`);
  if (phase === "tls" && !UNREACHABLE.has(code)) return new ProbeFailure("tls-error", `TLS handshake failed: ${err.message}${code ? ` (${code})` : ""}`);
  if (UNREACHABLE.has(code)) return new ProbeFailure("unreachable", `${code === "ECONNRESET" ? "connection reset" : "unreachable"} (${code})`);
  return new ProbeFailure("unreachable", `${err.message}${code ? ` (${code})` : ""}`);
}

/** One fresh connection: TCP connect, then TLS and a first byte for https targets. */
function sampleOnce(target: Target, address: string, timeoutMs: number, signal: AbortSignal | undefined, ca: string | undefined): Promise<Timing> {
  return new Promise<Timing>((resolve, reject) => {
    let phase: "tcp" | "tls" | "ttfb" = "tcp";
    let socket: Socket | TLSSocket;
    let settled = false;
    const finish = (err: Error | null, timing?: Timing) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(timing!);
    };
    const onAbort = () => finish(new ProbeFailure("timeout", "stopped at the sweep deadline"));
    const timer = setTimeout(() => finish(new ProbeFailure("timeout", `no answer within ${timeoutMs} ms (${phase} phase)`)), timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });

    const t0 = performance.now();
    const raw = tcpConnect({ host: address, port: target.port, noDelay: true });
    socket = raw;
    raw.once("error", (err) => finish(classify(err, phase)));
    raw.once("connect", () => {
      const tcp = performance.now() - t0;
      if (!target.tls) return finish(null, { tcp, tls: null, ttfb: null });
      phase = "tls";
      const t1 = performance.now();
      const secure = tlsConnect({
        socket: raw,
        host: target.host, // checked against the certificate (an IP against its IP SANs)
        servername: isIP(target.host) ? undefined : target.host,
        ...(ca ? { ca } : {}),
        ALPNProtocols: ["http/1.1"],
      });
      socket = secure;
      secure.once("error", (err) => finish(classify(err, phase)));
      secure.once("secureConnect", () => {
        const tls = performance.now() - t1;
        phase = "ttfb";
        const t2 = performance.now();
        secure.once("data", () => finish(null, { tcp, tls, ttfb: performance.now() - t2 }));
        secure.write(`HEAD / HTTP/1.1\r\nHost: ${target.host}\r\nUser-Agent: stowage-latency\r\nConnection: close\r\n\r\n`);
      });
    });
  });
}

/**
 * One A-record query through c-ares, which does not queue behind libuv's four-thread pool the way getaddrinfo
 * does (so 8 look-ups at once are each timed honestly); names only the system resolver knows (/etc/hosts, IPv6-only)
 * fall back to getaddrinfo.
 */
async function resolveOnce(host: string, timeoutMs: number): Promise<string> {
  try {
    const [address] = await new Resolver({ timeout: timeoutMs, tries: 1 }).resolve4(host);
    if (address) return address;
  } catch {
    // fall through to the system resolver
  }
  return (await lookup(host)).address;
}

async function resolve(host: string, timeoutMs: number, signal?: AbortSignal): Promise<{ address: string; dnsMs: number | null }> {
  if (isIP(host)) return { address: host, dnsMs: null };
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no DNS answer within ${timeoutMs} ms`)), timeoutMs);
    onAbort = () => reject(new Error("stopped at the sweep deadline"));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const address = await Promise.race([resolveOnce(host, timeoutMs), timeout]);
    return { address, dnsMs: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

function median(values: number[]): number | null {
  return values.length ? summarize(values)!.median : null;
}

export async function probe(target: Target, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const samples = opts.samples ?? 5;
  const timeoutMs = opts.timeoutMs ?? 2000;
  const base = { name: target.name, kind: target.kind, host: target.host, port: target.port };
  const none = { rttMs: null, spreadMs: null, tlsMs: null, ttfbMs: null };
  let address: string;
  let dnsMs: number | null;
  try {
    ({ address, dnsMs } = await resolve(target.host, timeoutMs, opts.signal));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const status: Status = opts.signal?.aborted ? "timeout" : "dns-error";
    return {
      ...base,
      address: null,
      status,
      ...none,
      dnsMs: null,
      samples,
      lost: samples,
      error: `${e.message}${e.code && !e.message.includes(e.code) ? ` (${e.code})` : ""}`,
    };
  }
  const ok: Timing[] = [];
  const failures: ProbeFailure[] = [];
  // The warm-up fills ARP, route and TLS session caches on the way; its numbers are discarded.
  await sampleOnce(target, address, timeoutMs, opts.signal, opts.ca).catch(() => undefined);
  for (let i = 0; i < samples; i++) {
    if (opts.signal?.aborted) {
      failures.push(new ProbeFailure("timeout", "stopped at the sweep deadline"));
    } else {
      try {
        ok.push(await sampleOnce(target, address, timeoutMs, opts.signal, opts.ca));
      } catch (err) {
        failures.push(err instanceof ProbeFailure ? err : classify(err as NodeJS.ErrnoException, "tcp"));
      }
    }
    opts.onSample?.(i + 1, samples);
  }
  const lost = failures.length;
  if (ok.length === 0) {
    // Every sample failed: report the commonest failure.
    const counts = new Map<string, number>();
    for (const f of failures) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
    const status = [...counts].sort((a, b) => b[1] - a[1])[0]![0] as Status;
    const error = failures.find((f) => f.status === status)!.message;
    return { ...base, address, status, ...none, dnsMs: dnsMs === null ? null : ms(dnsMs), samples, lost, error };
  }
  const s = summarize(ok.map((t) => t.tcp))!;
  const tls = median(ok.flatMap((t) => (t.tls === null ? [] : [t.tls])));
  const ttfb = median(ok.flatMap((t) => (t.ttfb === null ? [] : [t.ttfb])));
  return {
    ...base,
    address,
    status: "ok",
    rttMs: { median: ms(s.median), p90: ms(s.p90), min: ms(s.min), max: ms(s.max) },
    spreadMs: { q1: ms(s.q1), q3: ms(s.q3), iqr: ms(s.iqr), outliers: s.outliers.map(ms) },
    dnsMs: dnsMs === null ? null : ms(dnsMs),
    tlsMs: tls === null ? null : ms(tls),
    ttfbMs: ttfb === null ? null : ms(ttfb),
    samples,
    lost,
    ...(lost ? { error: failures[0]!.message } : {}),
  };
}
