import { test, expect, hydrated } from "./fixtures";

test("a guest saves a product to the wishlist, finds it there and removes it", async ({ page }) => {
  await page.goto("/c/apparel/shirts?in_stock=1");
  const card = page.locator(".grid .card a").first();
  const title = (await card.locator("h3").textContent())!.trim();
  await card.click();
  await hydrated(page);
  await page.getByRole("button", { name: "Save to wishlist" }).click();
  await expect(page.getByText("Saved to your wishlist.")).toBeVisible();

  await page.getByRole("link", { name: "Wishlist", exact: true }).click();
  await expect(page).toHaveURL(/\/wishlist$/);
  const list = page.getByTestId("wishlist");
  await expect(list).toContainText(title);
  await list.getByRole("button", { name: "Remove" }).first().click();
  await expect(page.getByText("Removed from your wishlist.")).toBeVisible();
  await expect(page.getByTestId("wishlist-empty")).toBeVisible();
});

test("a sold-out variant takes an address for one mail when it is back", async ({ page, request }) => {
  // Find a variant that is sold out: its option link is marked unavailable.
  const sitemap = await (await request.get("/sitemap.xml")).text();
  const part = sitemap.match(/<loc>([^<]*\/sitemaps\/[^<]*)<\/loc>/);
  const urls = part ? await (await request.get(new URL(part[1]).pathname)).text() : sitemap;
  const paths = [...urls.matchAll(/<loc>([^<]*\/p\/[^<]*)<\/loc>/g)].map((m) => new URL(m[1]).pathname);
  let soldOut: string | undefined;
  for (const path of paths) {
    const html = await (await request.get(path)).text();
    const link = [...html.matchAll(/<a [^>]*>/g)].map((m) => m[0]).find((a) => a.includes("unavailable"));
    const href = link?.match(/href="([^"]+)"/)?.[1];
    if (href) {
      soldOut = href.replace(/&amp;/g, "&");
      break;
    }
  }
  expect(soldOut, "the demo catalog has sold-out variants").toBeTruthy();

  await page.goto(soldOut!);
  await hydrated(page);
  await expect(page.getByTestId("stock")).toHaveText("Sold out");
  const alert = page.getByTestId("stock-alert");
  await expect(alert).toBeVisible();
  await alert.getByLabel("Tell me when it's back").fill(`alert-${Date.now()}@example.com`);
  await alert.getByRole("button", { name: "Notify me" }).click();
  await expect(page.getByText("Thank you: we will send you one e-mail when it is back in stock.")).toBeVisible();
});

test("a category lists its best-rated products first on request", async ({ page }) => {
  await page.goto("/c/apparel");
  const filters = page.getByRole("form", { name: "Filters" });
  await filters.getByLabel("Sort by").selectOption("rating");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/sort=rating/);
  await expect(filters.getByLabel("Sort by")).toHaveValue("rating");
});
