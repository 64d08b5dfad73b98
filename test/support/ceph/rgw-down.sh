#!/bin/bash
# Stops what rgw-up.sh started, gateway first, then OSD, then monitor (all at once makes the OSD wait ~5 s), and
# removes the work folder.
D=${1:?workdir}
alive() { [ -e "/proc/$1" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
for n in client.rgw.local osd.0 mon.a; do
  p=$(cat "$D/run/ceph-$n.pid" 2>/dev/null) || continue
  kill "$p" 2>/dev/null || continue
  for i in $(seq 1 100); do alive "$p" || break; sleep 0.05; done
  alive "$p" && kill -9 "$p" 2>/dev/null
done
rm -rf "$D"
