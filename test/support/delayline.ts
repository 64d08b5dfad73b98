/**
 * Test hosts with a known round trip between them: two network namespaces, `<name>-cli` (10.77.<idx>.1) and
 * `<name>-srv` (10.77.<idx>.2), joined by TUN devices and relay.py, which holds each packet for half the round trip
 * in each direction. Needs root, `ip` (iproute2), /dev/net/tun and python3. Only these addresses, inside namespaces
 * the tests made, are ever probed.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../core/paths.js";

const RELAY = join(packageRoot(), "test", "support", "delayline", "relay.py");

export interface DelayLineOptions {
  /** Round trip added by the relay, split evenly between the two directions. */
  readonly rttMs: number;
  readonly jitterMs?: number;
  /** Drop probability per packet, each direction. */
  readonly loss?: number;
  readonly seed?: number;
}

export interface DelayLine {
  readonly name: string;
  readonly clientNs: string;
  readonly serverNs: string;
  readonly clientIp: string;
  readonly serverIp: string;
  /** Starts a process inside a namespace. */
  spawnIn(ns: string, command: string, args: string[]): ChildProcess;
  down(): Promise<void>;
}

/** Why delay lines cannot run here, or null when they can. */
export function delayLineUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "needs root (network namespaces and TUN devices)";
  if (!existsSync("/dev/net/tun")) return "no /dev/net/tun";
  try {
    execFileSync("ip", ["-V"], { stdio: "ignore" });
    execFileSync("python3", ["-V"], { stdio: "ignore" });
  } catch {
    return "needs iproute2 (`ip`) and python3";
  }
  return null;
}

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });

function removeNamespaces(name: string): void {
  for (const ns of [`${name}-cli`, `${name}-srv`]) {
    try {
      ip("netns", "del", ns);
    } catch {
      // not there
    }
  }
}

export async function delayLineUp(name: string, idx: number, opts: DelayLineOptions): Promise<DelayLine> {
  const clientNs = `${name}-cli`;
  const serverNs = `${name}-srv`;
  const clientIp = `10.77.${idx}.1`;
  const serverIp = `10.77.${idx}.2`;
  removeNamespaces(name); // left over from an interrupted run
  for (const ns of [clientNs, serverNs]) {
    ip("netns", "add", ns);
    ip("-n", ns, "link", "set", "lo", "up");
    ip("-n", ns, "tuntap", "add", "dev", "dl0", "mode", "tun");
  }
  ip("-n", clientNs, "addr", "add", clientIp, "peer", serverIp, "dev", "dl0");
  ip("-n", serverNs, "addr", "add", serverIp, "peer", clientIp, "dev", "dl0");
  ip("-n", clientNs, "link", "set", "dl0", "up");
  ip("-n", serverNs, "link", "set", "dl0", "up");

  const dir = mkdtempSync(join(tmpdir(), `stowage-dl-${name}-`));
  const pidfile = join(dir, "relay.pid");
  const half = String(opts.rttMs / 2);
  const jitter = String(opts.jitterMs ?? 0);
  const loss = String(opts.loss ?? 0);
  const relay = spawn(
    "python3",
    [
      RELAY,
      "--a",
      `${clientNs}:dl0`,
      "--b",
      `${serverNs}:dl0`,
      "--delay-ab",
      half,
      "--delay-ba",
      half,
      "--jitter-ab",
      jitter,
      "--jitter-ba",
      jitter,
      "--loss-ab",
      loss,
      "--loss-ba",
      loss,
      "--pidfile",
      pidfile,
      ...(opts.seed === undefined ? [] : ["--seed", String(opts.seed)]),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let relayErr = "";
  relay.stderr!.on("data", (d) => (relayErr += d));
  for (let i = 0; i < 500 && !existsSync(pidfile); i++) {
    if (relay.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  if (!existsSync(pidfile)) {
    relay.kill("SIGKILL");
    removeNamespaces(name);
    throw new Error(`delay line relay did not start: ${relayErr}`);
  }
  const children: ChildProcess[] = [];
  return {
    name,
    clientNs,
    serverNs,
    clientIp,
    serverIp,
    spawnIn(ns, command, args) {
      const child = spawn("ip", ["netns", "exec", ns, command, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      return child;
    },
    async down() {
      for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
      // The relay first: namespaces with a process still attached to their TUN devices linger unnamed.
      if (relay.exitCode === null) {
        const exited = new Promise((r) => relay.once("exit", r));
        relay.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
        if (relay.exitCode === null) relay.kill("SIGKILL");
      }
      removeNamespaces(name);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
