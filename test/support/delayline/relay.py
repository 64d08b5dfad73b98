#!/usr/bin/env python3
"""Stowage's test delay line: moves raw IP packets between two TUN devices, each in its own network namespace,
holding every packet for a set one-way delay (plus optional uniform jitter, plus optional loss). The kernel here
has no netem qdisc, so this userland relay is how latency tests get a known, real round trip.

  relay.py --a NS:DEV --b NS:DEV [--delay-ab MS] [--delay-ba MS] [--jitter-ab MS] [--jitter-ba MS]
           [--loss-ab P] [--loss-ba P] [--seed N] [--pidfile FILE]

"ab" is the direction from A's device to B's. Packets of one direction keep their order. The last millisecond of
each hold is spun rather than slept, because select() wakes up late by up to a timer slack.
SIGTERM ends it and prints per-direction counts as JSON on stderr.
"""
import argparse, ctypes, fcntl, heapq, json, os, random, select, signal, struct, sys, time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
CLONE_NEWNET = 0x40000000
SPIN = 0.001
PR_SET_TIMERSLACK = 29
libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "setns: " + os.strerror(err))


def attach(spec):
    """Open the TUN device DEV inside namespace NS (spec "NS:DEV"), then return to our own namespace."""
    ns, dev = spec.split(":", 1)
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        target = os.open("/run/netns/" + ns, os.O_RDONLY)
        try:
            setns(target)
        finally:
            os.close(target)
        fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", dev.encode(), IFF_TUN | IFF_NO_PI))
        return fd
    finally:
        setns(home)
        os.close(home)


class Direction:
    def __init__(self, name, src, dst, delay_ms, jitter_ms, loss):
        self.name, self.src, self.dst = name, src, dst
        self.delay, self.jitter, self.loss = delay_ms / 1000.0, jitter_ms / 1000.0, loss
        self.last_release = 0.0
        self.counts = {"received": 0, "sent": 0, "dropped": 0}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--a", required=True)
    p.add_argument("--b", required=True)
    for d in ("ab", "ba"):
        p.add_argument("--delay-" + d, type=float, default=0.0)
        p.add_argument("--jitter-" + d, type=float, default=0.0)
        p.add_argument("--loss-" + d, type=float, default=0.0)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--pidfile")
    args = p.parse_args()
    rng = random.Random(args.seed)
    fa, fb = attach(args.a), attach(args.b)
    libc.prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0)  # wake from select() on time, not up to 50 us late
    try:
        # Real-time priority (root only): on a busy 2-core machine a normal process can be descheduled for
        # milliseconds, which would show up as extra round trip the tests attribute to the prober.
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    except (PermissionError, OSError):
        pass
    dirs = {
        fa: Direction("ab", fa, fb, args.delay_ab, args.jitter_ab, args.loss_ab),
        fb: Direction("ba", fb, fa, args.delay_ba, args.jitter_ba, args.loss_ba),
    }
    queue = []  # (release_time, seq, direction, packet)
    seq = 0
    running = [True]
    signal.signal(signal.SIGTERM, lambda *_: running.__setitem__(0, False))
    signal.signal(signal.SIGINT, lambda *_: running.__setitem__(0, False))
    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(args.pidfile + ".tmp", args.pidfile)
    while running[0]:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, d, packet = heapq.heappop(queue)
            try:
                os.write(d.dst, packet)
                d.counts["sent"] += 1
            except OSError:
                d.counts["dropped"] += 1
        wait = 0.05 if not queue else queue[0][0] - now
        if queue and wait <= SPIN:
            timeout = 0  # spin: poll without sleeping until the release time
        else:
            timeout = max(0.0, wait - SPIN) if queue else wait
        try:
            ready, _, _ = select.select([fa, fb], [], [], timeout)
        except InterruptedError:
            continue
        for fd in ready:
            d = dirs[fd]
            while True:
                try:
                    packet = os.read(fd, 65535)
                except BlockingIOError:
                    break
                d.counts["received"] += 1
                if d.loss and rng.random() < d.loss:
                    d.counts["dropped"] += 1
                    continue
                release = time.monotonic() + d.delay + (rng.uniform(0, d.jitter) if d.jitter else 0.0)
                release = max(release, d.last_release)  # keep the direction's order
                d.last_release = release
                seq += 1
                heapq.heappush(queue, (release, seq, d, packet))
    sys.stderr.write(json.dumps({d.name: d.counts for d in dirs.values()}) + "\n")


if __name__ == "__main__":
    main()
