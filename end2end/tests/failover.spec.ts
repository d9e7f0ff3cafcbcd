import { test, expect } from "./fixtures";

// Runs against the published static copy (scripts/test.sh downloads it from
// S3 on moto and serves it with a plain static file server after stopping
// the app server).
const copy = process.env.FAILOVER_URL;

test.describe("static failover copy", () => {
  test.skip(!copy, "FAILOVER_URL not set: the static copy is tested in its own run");
  test.use({ baseURL: copy });

  test("a shopper browses home, a category and a product with every server down", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByTestId("offline-banner")).toContainText("offline copy");
    await expect(page.getByTestId("offline-banner")).toContainText(/prices as of \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Apparel" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Apparel" })).toBeVisible();
    const next = page.getByRole("link", { name: "Next" });
    if (await next.count()) {
      await next.click();
      await expect(page).toHaveURL(/\/c\/apparel\/page\/2\/$/);
    }
    await page.locator(".grid .card a").first().click();
    await expect(page).toHaveURL(/\/p\/[a-z0-9-]+\/$/);
    await expect(page.locator("h1")).toBeVisible();
    const img = page.getByTestId("product-image");
    await expect(img).toBeVisible();
    expect(await img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);
    await expect(page.getByRole("button", { name: "Add to cart" })).toHaveCount(0);

    // Ordering fails clearly rather than half-working.
    await page.getByRole("link", { name: "Ordering is briefly unavailable" }).click();
    await expect(page.getByTestId("ordering-unavailable")).toBeVisible();
    await page.goto("/");
    await page.getByRole("link", { name: /^Cart/ }).click();
    await expect(page.getByTestId("ordering-unavailable")).toBeVisible();
  });
});
