/**
 * `npm run bench` (verify part): stowage verify's time per bucket against a local Ceph RADOS Gateway. Needs root
 * and Debian's radosgw, ceph-mon, ceph-osd, ceph-common. Prints figures only.
 */
import { EXIT } from "../core/exit.js";
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from "@aws-sdk/client-s3";
import { verify } from "../infra/verify/report.js";
import { RGW_USER, rgwUnavailable, startRgw } from "../test/support/rgw.js";

const why = rgwUnavailable();
if (why) {
  console.log(`verify benchmark skipped: ${why}`);
  process.exit(EXIT.OK);
}
const t0 = performance.now();
const rgw = startRgw();
const started = performance.now() - t0;
try {
  process.env.AWS_ACCESS_KEY_ID = RGW_USER.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = RGW_USER.secretAccessKey;
  const s3 = new S3Client({ region: "us-east-1", endpoint: rgw.endpoint, forcePathStyle: true, credentials: RGW_USER });
  const names = Array.from({ length: 20 }, (_, i) => `bench-${i}`);
  for (const Bucket of names) {
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
  }
  s3.destroy();
  await verify({ buckets: names.slice(0, 2), endpoint: rgw.endpoint }); // warm-up
  const t1 = performance.now();
  await verify({ buckets: names, endpoint: rgw.endpoint });
  const each = (performance.now() - t1) / names.length;
  console.log(`stowage verify benchmark (Ceph RGW on loopback, started in ${started.toFixed(0)} ms)`);
  console.log(`  ${names.length} buckets, 11 reads each (in parallel per bucket): ${each.toFixed(1)} ms per bucket`);
} finally {
  rgw.stop();
}
