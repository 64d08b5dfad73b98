/**
 * RDS for PostgreSQL: the data kept in a database instead of object storage. Pure.
 * Rules: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html (gp3 baseline: 3,000 IOPS
 * under 400 GB, 12,000 from 400 GB for PostgreSQL; storage 20 GB to 64 TiB); backup storage up to 100% of
 * provisioned storage is free.
 */
import { Decimal, HOURS_PER_MONTH, ZERO, dec, maxOf } from "../money.js";
import type { PriceSelector } from "../pricing/catalog.js";
import type { CostComponent } from "./components.js";
import type { Workload } from "./workload.js";

export const RDS_MIN_STORAGE_GB = 20;
export const RDS_MAX_STORAGE_GB = 65536;
const GP3_BASELINE_SMALL = 3000;
const GP3_BASELINE_LARGE = 12000;
const GP3_LARGE_FROM_GB = 400;

const STORAGE_LABEL = { gp2: "General Purpose gp2", gp3: "General Purpose gp3", io1: "Provisioned IOPS io1" } as const;
const STORAGE_USAGE = { gp2: "GP2-Storage", gp3: "GP3-Storage", io1: "PIOPS-Storage" } as const;

/**
 * Instances are priced per engine; storage, IOPS and backup are shared by every engine and carry databaseEngine "Any"
 * in the real Price List (shared/research/price-truth.md §1): selecting "PostgreSQL" there would find nothing.
 */
function rds(usagetype: string, multiAz: boolean, engine: "PostgreSQL" | "Any" = "Any"): PriceSelector {
  // One object per selector: the catalog keys its look-ups by selector, and a horizon asks every month.
  const key = `${usagetype}|${multiAz}|${engine}`;
  let selector = selectors.get(key);
  if (!selector) {
    selector = { service: "AmazonRDS", usagetype, attributes: { databaseEngine: engine, deploymentOption: multiAz ? "Multi-AZ" : "Single-AZ" } };
    selectors.set(key, selector);
  }
  return selector;
}
const selectors = new Map<string, PriceSelector>();
const BACKUP: PriceSelector = { service: "AmazonRDS", usagetype: "RDS:ChargedBackupUsage", attributes: { databaseEngine: "Any" } };

/** Provisioned storage for the data stored this month: at least 20 GB, whole GB. */
export function rdsStorageGb(storedGb: Decimal): Decimal {
  return maxOf(dec(RDS_MIN_STORAGE_GB), storedGb.ceil());
}

/** Takes only what it reads (region and rds), so a stack's instance is priced without a whole workload. */
export function rdsMonth(w: Pick<Workload, "region" | "rds">, storedGb: Decimal): { components: CostComponent[]; notes: string[] } {
  const { instance, multi_az: multiAz, storage } = w.rds;
  const az = multiAz ? "Multi-AZ" : "Single-AZ";
  const region = w.region;
  const storageGb = rdsStorageGb(storedGb);
  const notes: string[] = [];
  if (storageGb.greaterThan(RDS_MAX_STORAGE_GB)) {
    notes.push(`${storageGb.toFixed()} GB exceeds the RDS maximum of ${RDS_MAX_STORAGE_GB} GB for one instance`);
  }
  const components: CostComponent[] = [
    {
      name: `Database instance (on-demand, ${az}, ${instance})`,
      unit: "Hrs",
      quantity: dec(HOURS_PER_MONTH),
      price: rds(`${multiAz ? "Multi-AZUsage" : "InstanceUsage"}:${instance}`, multiAz, "PostgreSQL"),
      region,
    },
    {
      name: `Database storage (${STORAGE_LABEL[storage]}, ${az})`,
      unit: "GB-Mo",
      quantity: storageGb,
      price: rds(`RDS:${multiAz ? "Multi-AZ-" : ""}${STORAGE_USAGE[storage]}`, multiAz),
      region,
    },
  ];
  if (storage === "gp3" && w.rds.iops !== undefined) {
    const baseline = storageGb.greaterThanOrEqualTo(GP3_LARGE_FROM_GB) ? GP3_BASELINE_LARGE : GP3_BASELINE_SMALL;
    components.push({
      name: `Database IOPS above baseline (gp3, ${az})`,
      unit: "IOPS-Mo",
      quantity: maxOf(ZERO, dec(w.rds.iops).minus(baseline)),
      price: rds(`RDS:${multiAz ? "Multi-AZ-" : ""}GP3-PIOPS`, multiAz),
      region,
    });
  }
  if (storage === "io1") {
    components.push({
      name: `Database provisioned IOPS (io1, ${az})`,
      unit: "IOPS-Mo",
      quantity: w.rds.iops === undefined ? null : dec(w.rds.iops),
      price: rds(`RDS:${multiAz ? "Multi-AZ-" : ""}PIOPS`, multiAz),
      region,
    });
  }
  components.push({
    name: "Backup storage (beyond 100% of provisioned)",
    unit: "GB-Mo",
    quantity: maxOf(ZERO, dec(w.rds.backup_gb).minus(storageGb)),
    price: BACKUP,
    region,
  });
  return { components, notes };
}
