/**
 * A re-run where every datum is skipped, in its own process (test/run.memory.test.ts starts it built, from dist/, under
 * a capped old space; #26):
 * - `node skipAll.js records N DIR`: a synthetic input of N one-file datums is committed, and the records a first run
 *   of COMMAND would have written go to the output's datums/ in batches, as a run writes them (keys from run.ts's own
 *   datumKeys, so the run below finds them). This stands in for the first run only because a datum's command start
 *   costs milliseconds: N of them would take minutes, and what is measured is the re-run.
 * - `node skipAll.js again N DIR`: `stowage run` (runPipeline) over the same input and output; prints the datum counts,
 *   the peak RSS and the heap used, as JSON. Metadata is in DIR, out of the process, as a bucket's would be.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { getHeapStatistics } from "node:v8";
import { join } from "node:path";
import { codeIdentity } from "../../datalayer/code.js";
import { commitRepo } from "../../datalayer/data.js";
import { RecordWriter } from "../../datalayer/datums.js";
import { readCommit, readHead, rows } from "../../datalayer/manifest.js";
import { codeKeyOf, datumKeys, runPipeline, type DatumRecord } from "../../datalayer/run.js";
import { sha256 } from "../../datalayer/store.js";
import { DiskMeta, SyntheticStore, images } from "./synthetic.js";

export const COMMAND = ["sh", "-c", 'echo x > "$STOWAGE_OUT/$STOWAGE_DATUM.out"'];
const VERSION = "skip-all";

function stores(n: number, dir: string) {
  mkdirSync(join(dir, "in"), { recursive: true });
  mkdirSync(join(dir, "out"), { recursive: true });
  return {
    input: new SyntheticStore("memory://skip-in", () => images(n), new DiskMeta(join(dir, "in"))),
    output: new SyntheticStore("memory://skip-out", () => images(0), new DiskMeta(join(dir, "out"))),
  };
}

async function records(n: number, dir: string): Promise<void> {
  const { input, output } = stores(n, dir);
  await commitRepo(input, { branch: "main", message: "input" });
  const head = await readHead(input, "main");
  const codeKey = codeKeyOf(await codeIdentity(COMMAND, dir, VERSION));
  const writer = new RecordWriter<DatumRecord>(output, "first");
  for await (const row of rows(input, await readCommit(input, head!.commit))) {
    const { id, key } = datumKeys(input.url, row.path, [row], codeKey);
    const made = sha256(`${row.path}.out`);
    await writer.add({
      datum: row.path,
      id,
      key,
      status: "processed",
      run: "first",
      inputs: [{ path: row.path, versionId: row.version, sha256: sha256(`${row.path} ${row.version}\n`) }],
      outputs: [{ path: `${row.path}.out`, versionId: made, sha256: made, size: 2 }],
    });
  }
  await writer.flush();
}

async function again(n: number, dir: string): Promise<void> {
  const { input, output } = stores(n, dir);
  const r = await runPipeline({ input, output, inputRef: "main", command: COMMAND, parallel: 8, cwd: dir, codeVersion: VERSION, exitOnSignal: false });
  const peak = Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) / 1024;
  console.log(JSON.stringify({ status: r.status, datums: r.datums, peakMiB: peak, heapMiB: getHeapStatistics().used_heap_size / 1024 / 1024 }));
}

const [part, n, dir] = process.argv.slice(2);
if (part === "records") await records(Number(n), dir!);
else if (part === "again") await again(Number(n), dir!);
