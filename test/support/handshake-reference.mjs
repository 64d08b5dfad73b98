// The reference a latency test compares the prober with: plain connect() and TLS handshakes with Node's own
// net and tls, no Stowage code, timed the simplest way, run beside the prober in the same namespace so that both
// see the same path and the same load. Prints { tcp, tls, ttfb, lost } (medians in ms over the samples that
// completed; `lost` those that did not within --timeout).
// node handshake-reference.mjs --host H --tcp-port P [--tls-port P --ca FILE] --samples N [--timeout MS]
import { readFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";

const a = Object.fromEntries(process.argv.slice(2).reduce((acc, v, i, all) => (i % 2 ? acc : [...acc, [v.replace(/^--/, ""), all[i + 1]]]), []));
const samples = Number(a.samples ?? 7);
const timeout = Number(a.timeout ?? 5000);
const ca = a.ca ? readFileSync(a.ca) : undefined;

/** One plain TCP connect, or with TLS: connect, handshake, and a HEAD's first byte. Null when it did not complete. */
const once = (tls) =>
  new Promise((resolve) => {
    const t0 = performance.now();
    const raw = tcpConnect({ host: a.host, port: Number(tls ? a["tls-port"] : a["tcp-port"]) });
    const timer = setTimeout(() => (raw.destroy(), resolve(null)), timeout);
    const done = (r) => (clearTimeout(timer), raw.destroy(), resolve(r));
    raw.once("error", () => done(null));
    raw.once("connect", () => {
      const tcp = performance.now() - t0;
      if (!tls) return done({ tcp });
      const t1 = performance.now();
      const s = tlsConnect({ socket: raw, host: a.host, ca, ...(/^[\d.]+$/.test(a.host) ? {} : { servername: a.host }) });
      s.once("error", () => done(null));
      s.once("secureConnect", () => {
        const hs = performance.now() - t1;
        const t2 = performance.now();
        s.once("data", () => (s.destroy(), done({ tcp, tls: hs, ttfb: performance.now() - t2 })));
        s.write(`HEAD / HTTP/1.1\r\nHost: ${a.host}\r\nConnection: close\r\n\r\n`);
      });
    });
  });

const median = (xs) => (xs.length ? [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] : null);
const tcp = [];
const tls = [];
const ttfb = [];
let lost = 0;
for (let i = 0; i < samples; i++) {
  const t = await once(false);
  if (t) tcp.push(t.tcp);
  else lost++;
  if (a["tls-port"]) {
    const s = await once(true);
    if (s) (tls.push(s.tls), ttfb.push(s.ttfb));
  }
}
process.stdout.write(`${JSON.stringify({ tcp: median(tcp), tls: median(tls), ttfb: median(ttfb), lost })}\n`);
