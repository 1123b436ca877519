// Every way into Tollgate goes through the one door (lib/auth/request-context.ts)
// and the one decide-and-log (lib/authz/authorize.ts). Read from the code
// itself, so a new route, page or server action that skips them fails here.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { machineRouter } from "../../server/machine-routes.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

async function filesUnder(dir: string, match: (name: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(ROOT, dir), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && match(entry.name)) out.push(path.relative(ROOT, path.join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

const parse = async (file: string) => ts.createSourceFile(file, await readFile(path.join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true, file.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
const isExported = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** The wrappers that authenticate (and, for organizations, resolve the membership) before an action runs. */
const ACTION_DOORS = new Set(["orgAction", "orgOrPortalAction", "userAction", "publicAction"]);
/** Actions anyone may call, by design: sign-up, password reset, the first set-up and a passkey sign-in's challenge. */
const PUBLIC_ACTIONS = new Set(["signUpAction", "requestPasswordResetAction", "resetPasswordAction", "completeSetupAction", "passkeyOptionsAction", "ssoRouteAction"]);

describe("one door", () => {
  it("every server action is made by a door wrapper, and only the listed ones are public", async () => {
    const files = await filesUnder("app", (n) => /\.tsx?$/.test(n));
    const actionFiles: string[] = [];
    const seen: string[] = [];
    for (const file of files) {
      const source = await parse(file);
      const first = source.statements[0];
      if (!(first && ts.isExpressionStatement(first) && ts.isStringLiteral(first.expression) && first.expression.text === "use server")) continue;
      actionFiles.push(file);
      for (const statement of source.statements) {
        if (!isExported(statement)) continue;
        expect(ts.isVariableStatement(statement), `${file}: exports only actions made by ${[...ACTION_DOORS].join("/")}`).toBe(true);
        for (const decl of (statement as ts.VariableStatement).declarationList.declarations) {
          const name = decl.name.getText(source);
          const init = decl.initializer;
          const wrapper = init && ts.isCallExpression(init) && ts.isIdentifier(init.expression) ? init.expression.text : null;
          expect(wrapper && ACTION_DOORS.has(wrapper), `${file}: ${name} goes through a door wrapper`).toBe(true);
          if (wrapper === "publicAction") expect(PUBLIC_ACTIONS.has(name), `${file}: ${name} is public on purpose`).toBe(true);
          seen.push(name);
        }
      }
    }
    expect(actionFiles.length).toBeGreaterThan(10);
    expect(seen.length).toBeGreaterThan(30);
  });

  it("every page checks its caller: the organization's member, a signed-in user, or it is public by design", async () => {
    const PUBLIC = ["app/(auth)/", "app/docs/api/page.tsx", "app/invite/[token]/page.tsx", "app/layout.tsx", "app/page.tsx"];
    // Folders whose layout decides access for every page in them (requirePageUser, outside the loading boundary).
    const GUARDED_BY_LAYOUT = ["app/account/", "app/orgs/", "app/admin/"];
    for (const file of await filesUnder("app", (n) => n === "page.tsx" || n === "layout.tsx")) {
      const text = await readFile(path.join(ROOT, file), "utf8");
      if (file.startsWith("app/(dashboard)/[org]/")) {
        expect(text, `${file} resolves the caller's membership`).toMatch(/requirePageOrg\(/);
      } else if (file.startsWith("app/portal/")) {
        expect(text, `${file} resolves the setup link`).toMatch(/requirePortalContext\(/);
      } else if (PUBLIC.some((p) => file.startsWith(p))) {
        continue;
      } else {
        const guarded = GUARDED_BY_LAYOUT.find((dir) => file.startsWith(dir));
        expect(guarded, `${file} is guarded`).toBeDefined();
        const layout = await readFile(path.join(ROOT, guarded!, "layout.tsx"), "utf8");
        expect(layout, `${guarded}layout.tsx signs the caller in`).toMatch(/requirePageUser\(|UserLayout/);
      }
    }
  });

  it("the only route handler outside the lean router is next-auth's own sign-in endpoint", async () => {
    expect(await filesUnder("app", (n) => /^route\.tsx?$/.test(n))).toEqual(["app/api/auth/[...nextauth]/route.ts"]);
  });

  it("every machine route declares its door, and only health, readiness, the API document and its renderer's files, and SAML metadata are public", async () => {
    const routes = (await machineRouter()).describe();
    expect(routes.length).toBeGreaterThan(40);
    const undeclared = routes.filter((r) => !r.door).map((r) => `${r.method} ${r.path}`);
    expect(undeclared).toEqual([]);
    expect(
      routes
        .filter((r) => r.door === "public")
        .map((r) => r.path)
        .sort(),
    ).toEqual(["/api/health", "/api/ready", "/api/sso/saml/:connectionId/metadata", "/api/v1/openapi.json", "/docs/api/assets/:file"]);
  });

  it("decisions are made and logged in one place; contexts are built in one place", async () => {
    const lib = await filesUnder("lib", (n) => n.endsWith(".ts") && !n.endsWith(".test.ts"));
    const code = (await filesUnder("app", (n) => /\.tsx?$/.test(n))).concat(await filesUnder("components", (n) => /\.tsx?$/.test(n)), await filesUnder("server", (n) => n.endsWith(".ts")), lib);
    for (const file of code.filter((f) => !f.startsWith("lib/generated/"))) {
      // Code only: comments may name these functions.
      const text = (await readFile(path.join(ROOT, file), "utf8")).replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
      if (file !== "lib/authz/authorize.ts" && file !== "lib/authz/decision-log.ts") expect(text, `${file} records decisions only through authorize.ts`).not.toMatch(/recordDecision\(/);
      if (!["lib/authz/authorize.ts", "lib/authz/decide.ts"].includes(file)) expect(text, `${file} decides only through authorize.ts`).not.toMatch(/(?<![\w.])decide\(/);
      if (file !== "lib/auth/request-context.ts") expect(text, `${file} builds no request context (the door does)`).not.toMatch(/decided: new Map\(/);
    }
  });
});
