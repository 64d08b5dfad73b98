#!/bin/bash
# Starts a single-node Ceph cluster with a RADOS Gateway on 127.0.0.1 for Stowage's S3 tests: one monitor, one
# memstore OSD, auth none, the beast frontend (tcp_nodelay=1: with Beast's default, Nagle on, every response with a
# body waits ~45 ms), and an S3 user. Debian 12's radosgw, ceph-mon, ceph-osd, ceph-common
# (.ci/run installs them). With REALM=1, a realm/zonegroup/zone and a sync policy so PutBucketReplication works.
# Also listens with TLS on the next port (a self-signed certificate for 127.0.0.1 in <workdir>/tls.crt), so tests can
# compare a request over TLS with the same request in plain HTTP (aws:SecureTransport).
# usage: rgw-up.sh <workdir> [port]     env: ACCESS_KEY, SECRET_KEY, REALM=1, STS=1
set -euo pipefail
D=${1:?workdir}
PORT=${2:-7480}
TLS_PORT=$((PORT + 1))
ACCESS_KEY=${ACCESS_KEY:-stowageaccess}
SECRET_KEY=${SECRET_KEY:-stowagesecret}
rm -rf "$D"; mkdir -p "$D"/{mon-a,osd-0,run,log,rgw}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$D/tls.key" -out "$D/tls.crt" 2>/dev/null
FSID=$(cat /proc/sys/kernel/random/uuid)
CONF=$D/ceph.conf
cat > "$CONF" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:3300
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = false
# one of everything, and pools that do not wait for placement groups to split
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 1
osd pool default pgp num = 1
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
run dir = $D/run
admin socket = $D/run/\$cluster-\$name.asok
pid file = $D/run/\$cluster-\$name.pid
log file = $D/log/\$cluster-\$name.log
mon data = $D/mon-\$id
osd data = $D/osd-\$id
osd objectstore = memstore
memstore device bytes = 536870912
ms bind ipv6 = false
# without this, radosgw hangs on "failed to fetch mon config" when auth is off
ms mon client mode = crc
mon data avail warn = 2
mon data avail crit = 1
paxos propose interval = 0.05
paxos min wait = 0.01
[client.rgw.local]
rgw frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1 ssl_endpoint=127.0.0.1:$TLS_PORT ssl_certificate=$D/tls.crt ssl_private_key=$D/tls.key
rgw data = $D/rgw
rgw dns name = localhost
rgw crypt require ssl = false
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = testkey-1=$(head -c32 /dev/urandom | base64)
CONF
# STS=1: AssumeRole (with session policies) for roles made by radosgw-admin, stowage access grant's real path. Off by
# default: with the STS auth engine on, RGW answers a wrong secret with AccessDenied instead of SignatureDoesNotMatch.
if [ "${STS:-0}" = 1 ]; then
  printf 'rgw s3 auth use sts = true\nrgw sts key = %s\n' "$(head -c8 /dev/urandom | od -An -tx1 | tr -d ' \n')" >> "$CONF"
fi
export CEPH_CONF=$CONF
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:3300]" "$D/monmap" >/dev/null
ceph-authtool --create-keyring "$D/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$D/monmap" --keyring "$D/mon.keyring"
ceph-mon -c "$CONF" -i a
timeout 60 bash -c "until ceph -c $CONF --connect-timeout 5 mon stat >/dev/null 2>&1; do sleep 0.3; done"
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_ID=$(ceph -c "$CONF" osd new "$OSD_UUID")
ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >/dev/null 2>&1
ceph-osd -c "$CONF" -i "$OSD_ID"
timeout 120 bash -c "until ceph -c $CONF osd dump 2>/dev/null | grep -q '^osd.$OSD_ID up'; do sleep 0.3; done"
if [ "${REALM:-0}" = 1 ]; then
  RA="radosgw-admin -c $CONF"
  $RA realm create --rgw-realm=stowage --default >/dev/null
  $RA zonegroup create --rgw-zonegroup=stowage-zg --endpoints=http://127.0.0.1:$PORT --master --default >/dev/null
  $RA zone create --rgw-zonegroup=stowage-zg --rgw-zone=stowage-z --endpoints=http://127.0.0.1:$PORT --master --default >/dev/null
  $RA sync group create --group-id=group1 --status=allowed >/dev/null
  $RA period update --commit >/dev/null
fi
radosgw -c "$CONF" -n client.rgw.local
timeout 180 bash -c "until (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/$TLS_PORT) 2>/dev/null; do sleep 0.2; done"
radosgw-admin -c "$CONF" user create --uid=stowage --display-name=stowage --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null
radosgw-admin -c "$CONF" user create --uid=other --display-name=other --access-key=otheraccess --secret-key=othersecret >/dev/null
echo "ready"
