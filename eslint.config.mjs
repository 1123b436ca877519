// Lint rules, including the layer rules: lower layers never import upper ones.
//   app/, components/  ->  lib/<domain>/  ->  lib/authz/ (core)  ->  lib/db.ts, lib/errors.ts ...
// lib/http/ is the HTTP edge: domain code takes a context, never a request.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

const FEATURE_MODULES = ["admin", "apikeys", "audit", "auth", "grants", "groups", "invitations", "mail", "members", "orgs", "projects", "roles", "http", "client"];

const restricted = (patterns) => ["error", { patterns }];

export default tseslint.config(
  { ignores: ["node_modules/", ".next/", "lib/generated/", "sdk/dist/", "test-results/", "playwright-report/", "next-env.d.ts", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: false }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    // Tests read JSON bodies of any shape.
    files: ["test/**", "sdk/test/**", "e2e/**", "scripts/**", "**/*.test.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // Domain code: no HTTP, no Next.js.
    files: ["lib/**/*.{ts,tsx}"],
    ignores: ["lib/http/**", "lib/client/**", "lib/auth/current-user.ts", "lib/auth/auth-options.ts"],
    rules: {
      "no-restricted-imports": restricted([
        { group: ["**/http/*", "!**/http/request-meta*"], message: "Domain code takes a context, not a request: lib/http/ is the edge." },
        { group: ["next/*", "next"], message: "Domain code does not import Next.js." },
      ]),
    },
  },
  {
    // The authorization core depends on no feature module.
    files: ["lib/authz/**/*.ts"],
    rules: {
      "no-restricted-imports": restricted([
        { group: FEATURE_MODULES.map((m) => `../${m}/*`), message: "lib/authz/ is the core: feature modules import it, never the other way round." },
        { group: ["next/*", "next"], message: "Domain code does not import Next.js." },
      ]),
    },
  },
  {
    // Pages and components call domain functions, never the database client.
    files: ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": restricted([
        {
          group: ["**/lib/db", "**/lib/db.ts", "@/lib/db", "@/lib/db.ts", "@prisma/client", "**/lib/generated/*"],
          message: "Pages and components call domain functions in lib/, never the database client.",
        },
      ]),
    },
  },
  prettier,
);
