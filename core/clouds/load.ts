/** Reads the other providers' shipped price files (data/other-clouds) into a catalog. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { quickYaml, yamlModule } from "../inputs.js";
import { packageRoot } from "../paths.js";
import type { Catalog } from "../pricing/catalog.js";
import { SOURCE_FILES, b2FreeEgressMultiple, cloudCatalog, type CloudSources } from "./catalog.js";
import type { CloudRules } from "./horizon.js";
import { locationsOf } from "./locations.js";

export function defaultCloudPricesDir(): string {
  return join(packageRoot(), "data", "other-clouds");
}

export async function loadCloudPrices(dir = defaultCloudPricesDir()): Promise<{ catalog: Catalog; rules: CloudRules }> {
  const read = async (key: keyof CloudSources): Promise<unknown> => {
    const path = join(dir, SOURCE_FILES[key]);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      throw new UserError(
        `Cannot read the other providers' prices at ${path} (${(e as NodeJS.ErrnoException).code ?? "error"}).`,
        "Reinstall Stowage; the file ships in data/other-clouds.",
      );
    }
    try {
      if (!path.endsWith(".yml")) return JSON.parse(text);
      // The GCS file (45 KB) reads in ~30 ms this way where yaml's document model takes ~300 ms.
      const quick = quickYaml(text);
      return quick ? quick.value : (await yamlModule()).parse(text);
    } catch (e) {
      throw new UserError(
        `${path} is not valid ${path.endsWith(".yml") ? "YAML" : "JSON"}: ${(e as Error).message.split("\n")[0]}`,
        "Restore the file from the package.",
      );
    }
  };
  const sources: CloudSources = {
    gcs: await read("gcs"),
    azureBlob: await read("azureBlob"),
    azureBandwidth: await read("azureBandwidth"),
    curated: await read("curated"),
  };
  const catalog = cloudCatalog(sources, { r2Regions: locationsOf("r2").map((l) => l.code), b2Regions: locationsOf("b2").map((l) => l.code) });
  return { catalog, rules: { b2FreeEgressMultiple: b2FreeEgressMultiple(sources.curated) } };
}
