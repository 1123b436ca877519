import { expect, test } from "@playwright/test";
import { expectAccessible } from "./helpers";

// The API reference is Swagger UI over /api/v1/openapi.json, served from our
// own server: every route, examples of its bodies, and calls made from the page.
test("the API reference renders every route with examples and calls the API from the page, under the CSP", async ({ page, request }) => {
  const violations: string[] = [];
  await page.exposeFunction("reportViolation", (v: string) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e: SecurityPolicyViolationEvent) =>
      (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const document = await (await request.get("/api/v1/openapi.json")).json();
  const routes = Object.values(document.paths as Record<string, object>).reduce((n, ops) => n + Object.keys(ops).length, 0);

  await page.goto("/docs/api");
  await expect(page.getByRole("heading", { name: "API reference", level: 1 })).toBeVisible();
  const reference = page.getByTestId("api-reference");
  // Swagger UI lays out all the routes in the browser: seconds on a slow machine, more while tests run beside it.
  await expect(reference.locator(".opblock")).toHaveCount(routes, { timeout: 45_000 });
  // Descriptions are Markdown, rendered: no raw backticks.
  await expect(reference.locator(".info")).not.toContainText("`");

  // A route opened shows an example of its body and of its answer.
  const create = reference.locator(".opblock-post").filter({ has: page.locator('[data-path="/api/v1/projects"]') });
  await create.locator(".opblock-summary-control").click();
  await expect(create.getByText("Example Value").first()).toBeVisible();
  // The example is written by hand, not generated from the schema ("string").
  await expect(create.locator(".body-param__example, .highlight-code").first()).toContainText('"name": "Checkout service"');
  await expect(create.locator(".responses-table")).toContainText("201");

  // And can be called from the page: without a key, the API's own 401 comes back.
  const list = reference.locator(".opblock-get").filter({ has: page.locator('[data-path="/api/v1/projects"]') });
  await list.locator(".opblock-summary-control").click();
  await list.getByRole("button", { name: "Try it out" }).click();
  await list.getByRole("button", { name: "Execute" }).click();
  await expect(list.locator(".live-responses-table")).toContainText("401");
  await expect(list.locator(".live-responses-table")).toContainText("missing_api_key");
  await page.screenshot({ path: test.info().outputPath("api-reference.png"), fullPage: false });

  await expectAccessible(page);
  expect(violations).toEqual([]);
});
