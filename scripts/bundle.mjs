// Bundles the stowage command into dist/bundle/ with esbuild: one ESM entry plus lazily loaded chunks (the AWS SDK,
// Ink). Start-up is dominated by module resolution and CommonJS parsing when loading hundreds of files; a bundle
// loads a handful (see `npm run bench`). tsc still type-checks and builds dist/ for the benchmarks.
import { build } from "esbuild";

await build({
  entryPoints: ["planner/cli.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  splitting: true,
  outdir: "dist/bundle",
  sourcemap: true,
  minify: true,
  // React and Ink's production builds: the development ones check every render and cost a second at start-up.
  define: { "process.env.NODE_ENV": '"production"' },
  // Ink loads its devtools only when DEV is set; the package is an optional peer that is not installed.
  // The Pulumi SDKs stay in node_modules: they are large, load their own native gRPC and protobuf code, and only
  // `stowage policy` needs them.
  external: ["react-devtools-core", "@pulumi/*"],
  // Bundled CommonJS dependencies call require(); give ESM output one.
  banner: { js: "import { createRequire as __stowageCreateRequire } from 'node:module'; const require = __stowageCreateRequire(import.meta.url);" },
  logLevel: "warning",
});
