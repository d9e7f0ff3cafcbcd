import { test, expect, fillCheckout } from "./fixtures";

// A slow network: the Wasm (and its JS glue) arrive only after a few
// seconds. A shopper who acts before then still gets there: the buy box and
// the checkout are forms the server answers, and the islands take over once
// the Wasm has loaded, without losing what the server rendered.
const DELAY_MS = 3_000;
test.setTimeout(90_000);

test("a shopper acting before the Wasm has loaded still buys, and the page hydrates afterwards", async ({ page }) => {
  const urls: string[] = [];
  page.on("request", (r) => urls.push(r.url()));
  await page.route(/\/pkg\/.*\.(wasm|js)$/, async (route) => {
    await new Promise((r) => setTimeout(r, DELAY_MS));
    await route.continue();
  });

  await page.goto("/c/apparel/shirts?in_stock=1");
  await page.locator(".grid .card a").first().click();
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.locator(".cart-line")).toHaveCount(1);

  await page.getByRole("link", { name: "Check out" }).click();
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  // One method's totals shown (all are in the page; CSS picks, once the stylesheet is in).
  await expect(page.locator(".totals .order-total:visible")).toHaveCount(1);
  await fillCheckout(page, { email: "slow@example.com" });
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/orders\/o[0-9a-f]{24}\?key=[0-9a-f]{32}$/);

  // Once the Wasm arrives the order page hydrates and follows the order by itself.
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 20_000 });
  await expect(page.getByTestId("order-state")).toHaveAttribute("data-state", "confirmed", { timeout: 15_000 });
  expect(urls.filter((u) => u.includes("4242")), "no URL carries the card number").toEqual([]);
});
