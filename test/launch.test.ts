import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Launcher, tailOf } from "../datalayer/launch.js";

describe("Launcher (one shell starts every command of a run)", () => {
  const dir = mkdtempSync(join(tmpdir(), "stowage-launch-"));

  it("passes every word exactly, never as shell syntax, with the datum's variables in cwd", async () => {
    const l = new Launcher();
    const out = join(dir, "argv.json");
    const words = ["it's", "$HOME", "a b", "`id`", "line\nbreak", "*", ""];
    const script = `require("fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify({ argv: process.argv.slice(1), cwd: process.cwd(), v: process.env.STOWAGE_X }))`;
    const r = await l.run([process.execPath, "-e", script, ...words], dir, { STOWAGE_X: "x'y $z" }, join(dir, "argv.log"));
    l.close();
    expect(r).toEqual({ exitCode: 0, signal: null });
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual({ argv: words, cwd: dir, v: "x'y $z" });
  });

  it("reports exit codes and signals, runs commands at once, and keeps their output's last lines", async () => {
    const l = new Launcher();
    // a and c each wait for the other to have started: run one after the other, they would never end.
    const wait = (other: string) => `while [ ! -e ${other}.on ]; do sleep 0.05; done`;
    const [a, b, c] = await Promise.all([
      l.run(["sh", "-c", `echo one; echo two >&2; touch a.on; ${wait("c")}; exit 3`], dir, {}, join(dir, "a.log")),
      l.run(["sh", "-c", "kill -KILL $$"], dir, {}, join(dir, "b.log")),
      l.run(["sh", "-c", `touch c.on; ${wait("a")}`], dir, {}, join(dir, "c.log")),
    ]);
    l.close();
    expect(a).toEqual({ exitCode: 3, signal: null });
    expect(b).toEqual({ exitCode: null, signal: "SIGKILL" });
    expect(c).toEqual({ exitCode: 0, signal: null });
    expect(await tailOf(join(dir, "a.log"), 20)).toEqual(["one", "two"]);
  });

  it("leaves no finished command waiting to be reaped: a long run would fill the process table (#26)", async () => {
    const l = new Launcher();
    const children = () => readFileSync(`/proc/${l.shell}/task/${l.shell}/children`, "utf8").trim().split(/\s+/).filter(Boolean).length;
    for (let round = 0; round < 20; round++) {
      const done = await Promise.all(Array.from({ length: 10 }, (_, i) => l.run(["true"], dir, {}, join(dir, `reap-${i}.log`))));
      expect(done.every((d) => d.exitCode === 0)).toBe(true);
    }
    // 200 commands have ended; the shell's waits for their groups are at most a line or two behind.
    const t0 = Date.now();
    while (children() > 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(children()).toBe(0);
    l.close();
  });

  it("stops the commands it started", async () => {
    const l = new Launcher();
    const running = l.run(["sleep", "30"], dir, {}, join(dir, "s.log"));
    while (l.kill("SIGTERM") === 0) await new Promise((r) => setTimeout(r, 20));
    expect(await running).toEqual({ exitCode: null, signal: "SIGTERM" });
    l.close();
  });

  it("tails only the last lines of a long output", async () => {
    const long = join(dir, "long.log");
    writeFileSync(long, Array.from({ length: 50_000 }, (_, i) => `line ${i}`).join("\n") + "\n");
    expect(await tailOf(long, 3)).toEqual(["line 49997", "line 49998", "line 49999"]);
    expect(await tailOf(join(dir, "missing.log"), 3)).toEqual([]);
  });
});
