/**
 * Issue #28 on a local folder, through the built command, and the bundle's page in a real browser (Debian's
 * chromium, headless, with every network request sent to a closed proxy): it renders offline and shows every image
 * and the timeline. The screenshot is kept in test-artifacts/ (gitignored).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../core/paths.js";
import { folderPlace } from "./support/dataSuite.js";
import { evidenceSuite, makeBundle, type EvidencePlace } from "./support/evidenceSuite.js";
import { INSTALL, describeRealPart } from "./support/realParts.js";

function folderEvidencePlace(): EvidencePlace {
  const base = mkdtempSync(join(tmpdir(), "stowage-evidence-"));
  return { ...folderPlace(base), images: () => ({ repo: join(base, "homes"), at: (household, file) => `uploads/${household}/${file}` }) };
}

describe("stowage evidence and stowage data verify on a local folder", () => {
  evidenceSuite(async () => folderEvidencePlace());
});

function chromium(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const profile = mkdtempSync(join(tmpdir(), "stowage-chromium-"));
  const full = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--proxy-server=127.0.0.1:9",
    `--user-data-dir=${profile}`,
    ...args,
  ];
  return new Promise((resolve) =>
    execFile("chromium", full, { timeout: 120_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      rmSync(profile, { recursive: true, force: true });
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    }),
  );
}

/** How many distinct byte values a PNG's decompressed pixel stream holds: a blank page has few. */
function pixelVariety(file: string): number {
  const png = readFileSync(file);
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at);
    const type = png.toString("ascii", at + 4, at + 8);
    if (type === "IDAT") idat.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  return new Set(inflateSync(Buffer.concat(idat))).size;
}

const chromiumMissing = () => (existsSync("/usr/bin/chromium") ? null : "needs Debian's chromium");

describeRealPart("the evidence page in headless chromium", chromiumMissing(), INSTALL.chromium, () => {
  it("renders offline from the folder: every image shown, the timeline and the access log, no request leaves", { timeout: 600_000 }, async () => {
    const m = await makeBundle(folderEvidencePlace());
    const page = join(m.bundle, "index.html");
    const html = readFileSync(page, "utf8");
    // Nothing the page loads names a network location.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain("default-src 'none'");

    const dom = await chromium(["--virtual-time-budget=10000", "--dump-dom", `file://${page}`]);
    expect(dom.code, dom.stderr.slice(-2000)).toBe(0);
    expect(dom.stdout).toContain('data-images-shown="3"');
    expect(dom.stdout).toContain("3 of 3 images shown.");
    for (const image of m.json.images) expect(dom.stdout).toContain(`alt="${image.path}"`);
    expect(dom.stdout.match(/<li class="(upload|run|grant)">/g)).toHaveLength(3 + 2 * 2);
    expect(dom.stdout).toContain(m.json.signer.fingerprint);

    const artifacts = join(packageRoot(), "test-artifacts");
    mkdirSync(artifacts, { recursive: true });
    const shot = join(artifacts, "evidence-page.png");
    const blank = join(artifacts, "blank-page.png");
    rmSync(shot, { force: true });
    const taken = await chromium(["--hide-scrollbars", "--window-size=1280,1600", `--screenshot=${shot}`, `file://${page}`]);
    expect(taken.code, taken.stderr.slice(-2000)).toBe(0);
    writeFileSync(join(m.bundle, "blank.html"), "<!doctype html><title>blank</title>");
    await chromium(["--hide-scrollbars", "--window-size=1280,1600", `--screenshot=${blank}`, `file://${join(m.bundle, "blank.html")}`]);
    // Measured against a blank page shot the same way, in the same run.
    expect(pixelVariety(shot)).toBeGreaterThan(pixelVariety(blank) * 4);

    // A missing copy shows on the page.
    rmSync(join(m.bundle, "blank.html"));
    rmSync(join(m.bundle, "images", m.json.images[0].file.slice("images/".length)));
    const broken = await chromium(["--virtual-time-budget=10000", "--dump-dom", `file://${page}`]);
    expect(broken.stdout).toContain('data-images-shown="2"');
  });
});
