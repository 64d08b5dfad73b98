// The linter, run by `npm test`: JavaScript's and typescript-eslint's recommended rules (syntax only, no type
// information: fast), with Node's globals for the plain .mjs scripts.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "test-artifacts/", "data/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // `_`-prefixed names are deliberately unused (a callback's position, a destructured rest).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    files: ["test/**"],
    rules: {
      // Mocks and fixtures stand in for provider objects of any shape.
      "@typescript-eslint/no-explicit-any": "off",
      // Tests match terminal output: aligned columns (runs of spaces) and ANSI escapes (\x1b) are what they check.
      "no-regex-spaces": "off",
      "no-control-regex": "off",
      // `expect(x).to.be.true`-style and `a && b()` statements in helpers.
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
);
