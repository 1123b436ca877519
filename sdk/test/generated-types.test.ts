// The SDK's types are generated from the OpenAPI document; this fails when
// the committed file no longer matches what the document generates.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { SDK_TYPES_FILE, sdkTypesSource } from "../../scripts/generate-sdk-types.ts";

describe("sdk/src/generated/openapi.ts", () => {
  it("is what the OpenAPI document generates now", async () => {
    const committed = await readFile(SDK_TYPES_FILE, "utf8").catch(() => "");
    const current = await sdkTypesSource();
    expect(committed === current, "The SDK's generated types are out of date with the OpenAPI document: run `npm run sdk:types` and commit the result.").toBe(true);
  });
});
