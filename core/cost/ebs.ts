/**
 * EBS: the data kept on block volumes. Pure.
 * Rules: https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html — volumes are capped at 16 TiB
 * (io2 Block Express: 64 TiB), so a large dataset needs several; gp3 includes 3,000 IOPS and 125 MB/s per volume.
 */
import { Decimal, ZERO, dec, maxOf } from "../money.js";
import type { PriceSelector } from "../pricing/catalog.js";
import type { CostComponent } from "./components.js";
import type { Workload } from "./workload.js";

type Volume = Workload["ebs"]["volume"];

export const MAX_VOLUME_GB: Readonly<Record<Volume, number>> = { gp3: 16384, gp2: 16384, io1: 16384, io2: 65536, st1: 16384, sc1: 16384 };
const GP3_INCLUDED_IOPS = 3000;
const GP3_INCLUDED_THROUGHPUT = 125;
/** Volume API names differ from usage-type suffixes for io1 ("piops"). */
const USAGE_SUFFIX: Readonly<Record<Volume, string>> = { gp3: "gp3", gp2: "gp2", io1: "piops", io2: "io2", st1: "st1", sc1: "sc1" };

/** One object per selector: the catalog keys its look-ups by selector, and a horizon asks every month. */
const selectors = new Map<string, PriceSelector>();
function ec2(usagetype: string): PriceSelector {
  let selector = selectors.get(usagetype);
  if (!selector) selectors.set(usagetype, (selector = { service: "AmazonEC2", usagetype }));
  return selector;
}

/** How many volumes hold the data: whole GB, spread over as few volumes as the size cap allows. */
export function volumesFor(volume: Volume, storedGb: Decimal): { count: number; totalGb: Decimal } {
  const totalGb = maxOf(dec(1), storedGb.ceil());
  return { count: totalGb.div(MAX_VOLUME_GB[volume]).ceil().toNumber(), totalGb };
}

/** Takes only what it reads (region and ebs), so a stack's volume is priced without a whole workload. */
export function ebsMonth(w: Pick<Workload, "region" | "ebs">, storedGb: Decimal): CostComponent[] {
  const { volume, iops, throughput_mbps: throughput, snapshot_gb: snapshotGb } = w.ebs;
  const region = w.region;
  const { count, totalGb } = volumesFor(volume, storedGb);
  const suffix = USAGE_SUFFIX[volume];
  const plural = count === 1 ? "1 volume" : `${count} volumes`;
  const components: CostComponent[] = [
    { name: `Storage (${volume}, ${plural})`, unit: "GB-Mo", quantity: totalGb, price: ec2(`EBS:VolumeUsage.${suffix}`), region },
  ];
  if (volume === "gp3") {
    components.push({
      name: `Provisioned IOPS above 3,000 (gp3, ${plural})`,
      unit: "IOPS-Mo",
      quantity: maxOf(ZERO, dec(iops ?? GP3_INCLUDED_IOPS).minus(GP3_INCLUDED_IOPS)).times(count),
      price: ec2("EBS:VolumeP-IOPS.gp3"),
      region,
    });
    components.push({
      name: `Provisioned throughput above 125 MiB/s (gp3, ${plural})`,
      // AWS prices gp3 throughput per GiBps-month ($40.96 in us-east-1, i.e. $0.04 per MiB/s): the Price List's unit.
      unit: "GiBps-mo",
      quantity: maxOf(ZERO, dec(throughput ?? GP3_INCLUDED_THROUGHPUT).minus(GP3_INCLUDED_THROUGHPUT))
        .times(count)
        .div(1024),
      price: ec2("EBS:VolumeP-Throughput.gp3"),
      region,
    });
  }
  if (volume === "io1" || volume === "io2") {
    components.push({
      name: `Provisioned IOPS (${volume}, ${plural})`,
      unit: "IOPS-Mo",
      quantity: iops === undefined ? null : dec(iops).times(count),
      price: ec2(`EBS:VolumeP-IOPS.${suffix}`),
      region,
    });
  }
  components.push({ name: "Snapshots", unit: "GB-Mo", quantity: dec(snapshotGb), price: ec2("EBS:SnapshotUsage"), region });
  return components;
}
