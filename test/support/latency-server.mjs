// Test server for latency probes, run inside a test host's namespace:
//   node latency-server.mjs --host IP --tls-port P --cert F --key F [--self-port P --self-cert F --self-key F] [--tcp-port P]
// Answers every HTTP request at once with 200 and no body; the tcp port accepts and closes.
import { readFileSync } from "node:fs";
import { createServer as createHttps } from "node:https";
import { createServer as createTcp } from "node:net";
import { parseArgs } from "node:util";

const { values: a } = parseArgs({
  options: {
    host: { type: "string" },
    "tls-port": { type: "string" },
    cert: { type: "string" },
    key: { type: "string" },
    "self-port": { type: "string" },
    "self-cert": { type: "string" },
    "self-key": { type: "string" },
    "tcp-port": { type: "string" },
  },
});
const handler = (_req, res) => {
  res.writeHead(200, { "content-length": "0" });
  res.end();
};
const listening = [];
const listen = (server, port) => listening.push(new Promise((r) => server.listen(Number(port), a.host, r)));
if (a["tls-port"]) listen(createHttps({ cert: readFileSync(a.cert), key: readFileSync(a.key) }, handler), a["tls-port"]);
if (a["self-port"]) listen(createHttps({ cert: readFileSync(a["self-cert"]), key: readFileSync(a["self-key"]) }, handler), a["self-port"]);
if (a["tcp-port"])
  listen(
    createTcp((s) => s.end()),
    a["tcp-port"],
  );
await Promise.all(listening);
process.stdout.write("ready\n");
