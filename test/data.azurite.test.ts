/**
 * The data layer on Azure Blob Storage as Azurite serves it, through the built command: the same suite as on a folder
 * and on buckets, content-addressed (Azurite has no blob versioning) with conditional creates.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { dataLayerSuite, stowage, type Place } from "./support/dataSuite.js";
import { AZURITE_ACCOUNT, azuriteCommandEnv, startAzurite, type Azurite } from "./support/azurite.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
/** azure://account/container/prefix → the container and the blob name of `path`. */
const split = (repo: string, path: string) => {
  const [, container, ...prefix] = repo.slice("azure://".length).split("/");
  return { container: container!, name: [...prefix, path].join("/") };
};

let azurite: Azurite;
let cases = 0;
beforeAll(async () => {
  azurite = await startAzurite();
}, 90_000);
afterAll(() => azurite?.stop());

const place = async (): Promise<Place> => {
  const container = `repo-${++cases}`;
  await azurite.service.createContainer(container);
  const blob = (repo: string, path: string) => {
    const { container, name } = split(repo, path);
    return azurite.service.getContainerClient(container).getBlockBlobClient(name);
  };
  return {
    repo: (name) => `azure://${AZURITE_ACCOUNT}/${container}/${name}`,
    flags: ["--endpoint", azurite.endpoint],
    env: azuriteCommandEnv(),
    guarantee: "conditional-write",
    mode: "content-addressed",
    async put(repo, path, body) {
      await blob(repo, path).upload(body, body.length);
      return sha(body);
    },
    async remove(repo, path) {
      await blob(repo, path).delete();
    },
    async versions(repo, path) {
      return (await blob(repo, path).exists()) ? 1 : 0;
    },
  };
};
dataLayerSuite(place);

it("names what is missing: the credentials, the container", { timeout: 60_000 }, async () => {
  const p = await place();
  const noKey = await stowage({ ...p, env: { ...process.env, AZURE_STORAGE_KEY: "" } }, ["data", "log", p.repo("x")]);
  expect(noKey.code).toBe(2);
  expect(noKey.stderr).toContain("AZURE_STORAGE_KEY");
  const noContainer = await stowage(p, ["data", "commit", `azure://${AZURITE_ACCOUNT}/no-such-container/x`]);
  expect(noContainer.code).toBe(2);
  expect(noContainer.stderr).toContain("the container does not exist");
  for (const r of [noKey, noContainer]) expect(r.stderr).not.toMatch(/\n\s+at /);
});
