/**
 * End to end: `npm start` in a real pseudo-terminal (tmux), walked from Workload to Apply with the keyboard, and the
 * stack file it writes checked. Needs tmux (.ci/run installs it).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterEach, expect, it } from "vitest";
import { packageRoot } from "../core/paths.js";
import { INSTALL, describeRealPart } from "./support/realParts.js";

const hasTmux = (() => {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const session = `stowage-e2e-${process.pid}`;
const tmux = (...args: string[]) => execFileSync("tmux", args, { encoding: "utf8" });
const screen = () => tmux("capture-pane", "-p", "-t", session);
const keys = (...k: string[]) => tmux("send-keys", "-t", session, ...k);

async function waitFor(test: (s: string) => boolean, what: string, ms = 15_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const s = screen();
    if (test(s)) return s;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; the screen was:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterEach(() => {
  try {
    tmux("kill-session", "-t", session);
  } catch {
    // already gone
  }
});

describeRealPart("npm start in a terminal", !hasTmux && "tmux is not installed", INSTALL.tmux, () => {
  // Sized to the work: eight waits of up to 15 s and one of 30 s (the live latency probes) on a busy machine; the
  // suite's 30 s default was shorter than the one latency wait.
  it("walks from Workload to Apply and writes the stack file", { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-e2e-"));
    const exitFile = join(dir, "exit-code");
    tmux(
      "new-session",
      "-d",
      "-s",
      session,
      "-x",
      "120",
      "-y",
      "50",
      `cd ${packageRoot()} && NO_COLOR=1 npm start --silent -- --stack e2e --stack-dir ${dir}; echo $? > ${exitFile}; sleep 30`,
    );

    await waitFor((s) => s.includes("Workload from"), "the first frame");
    keys("Down", "Down", "Enter");
    await waitFor((s) => /> Data today \(GB\)\s+1000_/.test(s), "editing");
    keys("BSpace", "BSpace", "BSpace", "BSpace");
    keys("2000");
    keys("Enter");
    await waitFor((s) => /> Data today \(GB\)\s+2000\s*$/m.test(s), "the new value");

    keys("Tab");
    await waitFor((s) => s.includes("Cumulative cost") && /S3 Standard\s+\$46\.90/.test(s), "the Costs screen with 2,000 GB");
    keys("Tab");
    await waitFor((s) => s.includes("Measured from here") || s.includes("No network here"), "the latency results", 30_000);
    keys("Tab");
    await waitFor((s) => s.includes("Recommended: us-east-2, replica eu-west-1"), "the Placement screen");
    keys("Tab");
    await waitFor((s) => s.includes("+  stowage:primaryRegion: us-east-2"), "the diff on the Apply screen");
    expect(existsSync(join(dir, "Pulumi.e2e.yaml"))).toBe(false);
    keys("w");
    await waitFor((s) => s.includes("Wrote"), "the write");
    keys("q");
    await waitFor(() => existsSync(exitFile) && readFileSync(exitFile, "utf8").trim() !== "", "the planner to exit");
    expect(readFileSync(exitFile, "utf8").trim()).toBe("0");

    const stack = parse(readFileSync(join(dir, "Pulumi.e2e.yaml"), "utf8"));
    expect(stack.config).toEqual({
      "stowage:primaryRegion": "us-east-2",
      "stowage:replicaRegions": ["eu-west-1"],
      "stowage:uploadStorageClass": expect.any(String),
      "stowage:lifecycle": expect.any(Array),
    });
    expect(readFileSync(join(dir, "Pulumi.e2e.yaml"), "utf8")).toMatch(/^config:\n  # stowage plan \d{4}-\d\d-\d\d: us-east-2, replica eu-west-1\n/);
  });

  it("draws in colour in a terminal, even inside a CI job, and without colour under NO_COLOR", { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "stowage-e2e-"));
    const start = (env: string) =>
      tmux(
        "new-session",
        "-d",
        "-s",
        session,
        "-x",
        "100",
        "-y",
        "30",
        `cd ${packageRoot()} && ${env} TERM=xterm-256color npm start --silent -- --stack-dir ${dir}; sleep 30`,
      );
    const styled = () => tmux("capture-pane", "-p", "-e", "-t", session);
    // CI=true is what a GitHub runner's shell has; chalk used to turn colour off for any CI value, even CI=false.
    start("CI=true");
    await waitFor((s) => s.includes("Workload from"), "the first frame");
    const colour = styled();
    expect(colour).toMatch(/\u001B\[[0-9;]*7[0-9;]*m 1 Workload /); // the current tab in inverse
    expect(colour).toMatch(/\u001B\[[0-9;]*1[0-9;]*m/); // bold
    tmux("kill-session", "-t", session);
    start("NO_COLOR=1");
    await waitFor((s) => s.includes("Workload from"), "the first frame without colour");
    const plain = styled();
    expect(plain).not.toMatch(/\u001B\[[0-9;]*(7|3\d)[0-9;]*m/);
    expect(plain).toContain(" 1 Workload* ");
  });

  it("refuses without a terminal and names the non-interactive command", () => {
    let err: { status: number; stderr: string } | undefined;
    try {
      execFileSync("npm", ["start", "--silent"], { cwd: packageRoot(), stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
    } catch (e) {
      err = e as { status: number; stderr: string };
    }
    expect(err?.status).toBe(2);
    expect(err?.stderr).toMatch(/needs a terminal[\s\S]*stowage plan --workload .* --format json/);
  });
});
