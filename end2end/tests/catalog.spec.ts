import { test, expect, hydrated } from "./fixtures";

test("browse a category, filter it, open a product and pick a variant", async ({ page }) => {
  await page.goto("/");
  await hydrated(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Apparel" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Apparel" })).toBeVisible();

  // Filter: in stock, size M, cheapest first (a plain GET form).
  const filters = page.getByRole("form", { name: "Filters" });
  await filters.getByLabel(/^In stock/).check();
  await filters.getByRole("radio", { name: /^M \(\d+\)/ }).check();
  await filters.getByLabel("Sort by").selectOption("price-asc");
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/in_stock=1/);
  await expect(page).toHaveURL(/opt\.size=M/);

  // Open the first product.
  await page.locator(".grid .card a").first().click();
  await expect(page.locator("h1")).toBeVisible();
  await hydrated(page);
  await page.evaluate(() => ((window as any).__noReload = true));

  const sku = page.getByTestId("sku");
  const before = await sku.textContent();
  const target = page.locator('[role=radiogroup][aria-label=size] a[aria-checked="false"]').last();
  const targetSize = (await target.textContent())!.trim();
  await target.click();
  await expect(sku).not.toHaveText(before!);
  await expect(page).toHaveURL(new RegExp(`variant=${(await sku.textContent())!.trim()}`));
  await expect(page.getByRole("radio", { name: targetSize, exact: true })).toHaveAttribute("aria-checked", "true");
  await expect(page.getByTestId("price")).toHaveText(/^\$\d+\.\d\d$/);
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
});

test("the server-rendered product page already carries the product data", async ({ request }) => {
  const sitemap = await (await request.get("/sitemap.xml")).text();
  const path = new URL(sitemap.match(/<loc>([^<]*\/p\/[^<]*)<\/loc>/)![1]).pathname;
  const html = await (await request.get(path)).text();
  expect(html).toContain('data-testid="price"');
  expect(html).toContain('"@type":"Product"');
  expect(html).toMatch(/<h1>[^<]+<\/h1>/);
});
