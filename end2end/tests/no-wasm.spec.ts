import { test, expect, fillCheckout } from "./fixtures";

// The whole purchase with JavaScript off: every step is a link or a form
// post answered by a redirect, and the card number never reaches a URL.
test.use({ javaScriptEnabled: false });

test("a shopper without JavaScript buys a shirt and sees the order", async ({ page }) => {
  const urls: string[] = [];
  page.on("request", (r) => urls.push(r.url()));

  await page.goto("/c/apparel/shirts?in_stock=1");
  await page.locator(".grid .card a").first().click();
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.locator(".cart-line")).toHaveCount(1);

  await page.getByLabel(/^Quantity of/).selectOption("2");
  await page.getByRole("button", { name: "Update" }).click();
  await expect(page.getByLabel(/^Quantity of/)).toHaveValue("2");

  await page.getByRole("link", { name: "Check out" }).click();
  await fillCheckout(page, { email: "nojs@example.com", postalCode: null });
  // The postal code is missing: back to the form with the error, the rest kept.
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/checkout\?form=/);
  await expect(page.getByLabel("City")).toHaveValue("London");
  await page.getByLabel("Postal code").fill("SW1Y 4JH");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/orders\/o[0-9a-f]{24}\?key=[0-9a-f]{32}$/);
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("order-state")).toHaveAttribute("data-state", "confirmed", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });

  expect(urls.filter((u) => u.includes("4242")), "no URL carries the card number").toEqual([]);
});
