/**
 * Starting the user's command once per datum without stalling the run (#26).
 *
 * Node's child_process.spawn forks the whole Node process and waits, on the event loop, until the child has exec'd:
 * the fork copies the page tables of every resident page, so it costs more the more memory the run holds (measured:
 * 12 ms a spawn from a 49 MiB process, 89 ms from 250 MiB, on 2 loaded cores), and nothing else in the run moves
 * meanwhile — no download, no upload. Here one small POSIX shell (`/bin/sh -s`, about 1 MiB resident) starts every
 * command of a run: the run writes one line per command to its stdin and reads back the command's pid and exit
 * status, and a fork of that shell costs about a millisecond. The command still runs as given (argv quoted, no shell
 * syntax of the user's interpreted), in `cwd`, with the run's environment plus the datum's variables, its output
 * (stdout and stderr together) kept in a file whose last lines go into the datum record.
 *
 * A shell without job control starts background commands with SIGINT and SIGQUIT ignored (POSIX 2.11), so a command
 * is stopped with SIGTERM (then SIGKILL) rather than SIGINT; see run.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";

export interface Launched {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly error?: string;
}

/** A shell word that the shell reads back as exactly `s`. */
export function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The signal behind a shell's exit status 128+N, by name; null for a plain exit status. */
function signalOf(status: number): string | null {
  if (status <= 128) return null;
  const n = status - 128;
  return Object.entries(constants.signals).find(([, v]) => v === n)?.[0] ?? null;
}

export class Launcher {
  private readonly sh: ChildProcess;
  private readonly jobs = new Map<number, (r: Launched) => void>();
  /** The commands started and not yet reported ended, by job: kept when the shell itself dies, to stop them. */
  private readonly pids = new Map<number, number>();
  private seq = 0;
  private ended: string | null = null;
  /**
   * Each command's outer group is a background job of the shell, which (dash, POSIX sh) keeps it a zombie until it is
   * waited for: left so, a run of 30,000 datums filled the machine's process table (pid_max 32,768). So the shell is
   * told to `wait` for each group once it has reported its command ended. Its pid (`g` line) and its end (`e` line)
   * may arrive in either order: whichever comes second sends the wait.
   */
  private readonly groups = new Map<number, number>();
  private readonly endedFirst = new Set<number>();
  private closed = false;

  constructor() {
    this.sh = spawn("/bin/sh", ["-s"], { stdio: ["pipe", "pipe", "inherit"] });
    this.sh.on("error", (err) => this.end(`the shell that starts commands failed: ${err.message}`));
    this.sh.stdin!.on("error", () => {}); // a shell that died is reported by 'close'
    // Ctrl-C reaches the whole process group: the shell stays, so that the run can stop the commands it started.
    this.sh.stdin!.write("trap '' INT QUIT\n");
    this.sh.on("close", () => this.end("the shell that starts commands ended"));
    createInterface({ input: this.sh.stdout! }).on("line", (line) => {
      const [what, id, n] = line.split(" ");
      if (what === "s") this.pids.set(Number(id), Number(n));
      else if (what === "g") {
        if (this.endedFirst.delete(Number(id))) this.reap(Number(n));
        else this.groups.set(Number(id), Number(n));
      } else if (what === "e") {
        const group = this.groups.get(Number(id));
        if (group === undefined) this.endedFirst.add(Number(id));
        else {
          this.groups.delete(Number(id));
          this.reap(group);
        }
        this.pids.delete(Number(id));
        const done = this.jobs.get(Number(id));
        this.jobs.delete(Number(id));
        const status = Number(n);
        const signal = signalOf(status);
        done?.(signal ? { exitCode: null, signal } : { exitCode: status, signal: null });
      }
    });
  }

  /** The group has reported; it exits at once, so the shell's wait is short. */
  private reap(group: number): void {
    if (!this.ended && !this.closed) this.sh.stdin!.write(`wait ${group} 2>/dev/null\n`);
  }

  private end(why: string): void {
    this.ended ??= why;
    for (const done of this.jobs.values()) done({ exitCode: null, signal: null, error: why });
    this.jobs.clear();
  }

  /** Runs `command` in `cwd` with `env` added, its stdout and stderr appended to the file `log`. */
  run(command: readonly string[], cwd: string, env: Readonly<Record<string, string>>, log: string): Promise<Launched> {
    if (this.ended) return Promise.resolve({ exitCode: null, signal: null, error: this.ended });
    const id = ++this.seq;
    const vars = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`);
    const exports = vars.length ? `export ${vars.join(" ")} && ` : "";
    // The outer group waits for the command (its own child) and reports; `exec` makes the command the pid reported. Its
    // stderr is dropped: the shell would print "Killed" there for a command that died of a signal.
    const line =
      `{ ( cd ${quote(cwd)} && ${exports}exec ${command.map(quote).join(" ")} ) </dev/null >${quote(log)} 2>&1 & ` +
      `p=$!; echo "s ${id} $p"; wait $p; echo "e ${id} $?"; } 2>/dev/null & echo "g ${id} $!"\n`;
    return new Promise((done) => {
      this.jobs.set(id, done);
      this.sh.stdin!.write(line);
    });
  }

  /** Sends `signal` to every command running. */
  kill(signal: NodeJS.Signals): number {
    let n = 0;
    for (const pid of this.pids.values()) {
      try {
        process.kill(pid, signal);
        n++;
      } catch {
        // already gone
      }
    }
    return n;
  }

  /** Commands started and not yet ended. */
  get running(): number {
    return Math.max(this.jobs.size, this.pids.size);
  }

  /** The shell's pid (its children are the commands' groups still to be waited for). */
  get shell(): number | undefined {
    return this.sh.pid;
  }

  /** Ends the shell once the commands started have finished (they are not waited for here). */
  close(): void {
    this.closed = true;
    this.sh.stdin!.end();
  }
}

/** The last `lines` lines of a file, reading at most its last 64 KiB. */
export async function tailOf(file: string, lines: number): Promise<string[]> {
  let fh;
  try {
    fh = await open(file, "r");
  } catch {
    return [];
  }
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    const all = buf.toString("utf8").split("\n");
    if (all.at(-1) === "") all.pop();
    if (length < size) all.shift(); // the first line read may be cut
    return all.slice(-lines);
  } finally {
    await fh.close();
  }
}
