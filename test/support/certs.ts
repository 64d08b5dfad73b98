/** Test certificates made with openssl: a CA and a server certificate it signs, and a self-signed one. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCerts {
  readonly dir: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly selfCert: string;
  readonly selfKey: string;
}

/** Certificates valid for the IP addresses given (subjectAltName IP:…). */
export function makeCerts(ips: readonly string[]): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), "stowage-certs-"));
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  const san = `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(",")}`;
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ssl("req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.pem"), "-days", "2", "-subj", "/CN=stowage test CA");
  ssl("req", ...ec, "-keyout", f("srv.key"), "-out", f("srv.csr"), "-subj", "/CN=stowage test server");
  writeFileSync(f("san.ext"), `${san}\n`);
  ssl(
    "x509",
    "-req",
    "-in",
    f("srv.csr"),
    "-CA",
    f("ca.pem"),
    "-CAkey",
    f("ca.key"),
    "-CAcreateserial",
    "-out",
    f("srv.pem"),
    "-days",
    "2",
    "-extfile",
    f("san.ext"),
  );
  ssl("req", "-x509", ...ec, "-keyout", f("self.key"), "-out", f("self.pem"), "-days", "2", "-subj", "/CN=stowage self-signed", "-addext", san);
  return { dir, ca: f("ca.pem"), cert: f("srv.pem"), key: f("srv.key"), selfCert: f("self.pem"), selfKey: f("self.key") };
}
