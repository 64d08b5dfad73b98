/**
 * Suites that run on real parts (Ceph RGW, network namespaces with a delay line, a terminal under tmux) never skip
 * silently. Under CI=true a missing tool fails the run; elsewhere the suite is skipped and the run ends with one
 * line naming every suite skipped and the command that installs what they need (test/support/skipped.ts).
 */
import { appendFileSync } from "node:fs";
import { describe, it } from "vitest";

/** What each kind of real part needs installed (Debian package names; .ci/run installs the same). */
export const INSTALL = {
  rgw: "apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd ceph-common",
  netns: "run as root with: apt-get install -y iproute2 python3 openssl",
  tmux: "apt-get install -y tmux",
  chromium: "apt-get install -y --no-install-recommends chromium",
} as const;

/** `describe`, unless `missing` says why the suite cannot run here. */
export function describeRealPart(title: string, missing: string | null | false | undefined, install: string, body: () => void): void {
  if (!missing) {
    describe(title, body);
    return;
  }
  if (process.env.CI === "true") {
    describe(title, () => {
      it("has the real parts it runs on", () => {
        throw new Error(`${missing}. Under CI every real-part suite must run: ${install}`);
      });
    });
    return;
  }
  if (process.env.STOWAGE_SKIPPED_FILE) appendFileSync(process.env.STOWAGE_SKIPPED_FILE, `${JSON.stringify({ title, missing, install })}\n`);
  describe.skip(`${title} (skipped: ${missing})`, body);
}
