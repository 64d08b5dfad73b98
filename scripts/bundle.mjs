// Bundles the stowage command into dist/bundle/ with esbuild: one ESM entry plus lazily loaded chunks (the AWS SDK,
// Ink). Start-up is dominated by module resolution and CommonJS parsing when loading hundreds of files; a bundle
// loads a handful (see `npm run bench`). tsc still type-checks and builds dist/ for the benchmarks.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

/**
 * Yoga (Ink's layout engine) ships its WebAssembly as a base64 data: URL, and its Emscripten loader fetches that URL
 * whenever a global fetch exists. In Node, the first use of fetch loads undici: ~35 ms before the planner's first
 * frame, to decode bytes that are already in memory. This takes the loader's own no-fetch path (decode the base64
 * directly). The build fails if the loader changes shape, rather than silently losing the saving.
 */
const yogaWithoutFetch = {
  name: "yoga-without-fetch",
  setup(b) {
    b.onLoad({ filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const check = '"function"!=typeof fetch';
      const uses = source.split(check).length - 1;
      if (uses !== 2) throw new Error(`yoga-without-fetch: expected 2 fetch checks in ${args.path}, found ${uses}; review the plugin`);
      return { contents: source.replaceAll(check, "true"), loader: "js" };
    });
  },
};

/**
 * The options of every Stowage bundle: the command below, and the bench's one-line Ink app (bench/planner.ts), which
 * must be built the same way to be a fair floor.
 */
export function bundleOptions(overrides) {
  return {
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    splitting: true,
    sourcemap: true,
    minify: true,
    // React and Ink's production builds: the development ones check every render and cost a second at start-up.
    define: { "process.env.NODE_ENV": '"production"' },
    // Ink loads its devtools only when DEV is set; the package is an optional peer that is not installed.
    // The Pulumi SDKs stay in node_modules: they are large, load their own native gRPC and protobuf code, and only
    // `stowage policy` needs them.
    // esbuild finds its native binary from its own package folder: `stowage policy --program` loads it from there.
    external: ["react-devtools-core", "@pulumi/*", "esbuild"],
    // Bundled CommonJS dependencies call require(); give ESM output one.
    banner: { js: "import { createRequire as __stowageCreateRequire } from 'node:module'; const require = __stowageCreateRequire(import.meta.url);" },
    plugins: [yogaWithoutFetch],
    logLevel: "warning",
    ...overrides,
  };
}

/**
 * The policy pack as the Pulumi CLI loads one: a folder with PulumiPolicy.yaml whose package.json main the CLI's
 * run-policy-pack require()s. CommonJS, with @pulumi/* left to resolve from node_modules (one copy of the SDK).
 */
async function buildPolicyPack(dir) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const { version } = JSON.parse(await readFile("package.json", "utf8"));
  await build({
    entryPoints: ["infra/policy/pack/index.ts"],
    outfile: `${dir}/index.js`,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["@pulumi/*"],
    logLevel: "warning",
  });
  await writeFile(
    `${dir}/package.json`,
    `${JSON.stringify({ name: "stowage-policy-pack", version, private: true, type: "commonjs", main: "index.js" }, null, 2)}\n`,
  );
  await writeFile(
    `${dir}/PulumiPolicy.yaml`,
    "description: Stowage's rules for object storage (Security Hub S3 controls, IAM prefix isolation, tags, regions), v7-aware.\nruntime: nodejs\n",
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Chunk names carry content hashes: without a clean directory, every build leaves the previous chunks behind.
  await rm("dist/bundle", { recursive: true, force: true });
  await build(bundleOptions({ entryPoints: { cli: "cli/main.ts" }, outdir: "dist/bundle" }));
  // `stowage cost` alone, in one file beside it (cli/costMain.ts says why): main.ts imports it by a name esbuild
  // does not follow. Its dynamic imports are inlined, and run only when reached, as in the split bundle.
  // yaml stays out of it: `cost` reads its YAML with js-yaml (core/inputs.ts quickYaml) and imports yaml only for a
  // document that needs it, from node_modules then; bundled, its 115 KB were compiled on every run (~3 ms).
  await build(
    bundleOptions({
      entryPoints: { costMain: "cli/costMain.ts" },
      outdir: "dist/bundle",
      splitting: false,
      external: [...bundleOptions({}).external, "yaml"],
    }),
  );
  await buildPolicyPack("dist/policy-pack");
}
