import { test, expect, hydrated, fillCheckout } from "./fixtures";

test("a shopper adds two variants, checks out and sees the order confirmed", async ({ page }) => {
  await page.goto("/c/apparel/shirts?in_stock=1");
  await page.locator(".grid .card a").first().click();
  await hydrated(page);

  // First variant.
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByTestId("add-result")).toContainText("Added to your cart");
  await expect(page.getByTestId("cart-count")).toHaveText("1");

  // A second, different variant of the same product.
  const before = await page.getByTestId("sku").textContent();
  await page.locator('[role=radiogroup][aria-label=size] a[aria-checked="false"]:not(.unavailable)').first().click();
  await expect(page.getByTestId("sku")).not.toHaveText(before!);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByTestId("cart-count")).toHaveText("2");

  await page.getByRole("link", { name: /^Cart/ }).click();
  await hydrated(page);
  await expect(page.locator(".cart-line")).toHaveCount(2);
  await page.getByRole("link", { name: "Check out" }).click();
  await hydrated(page);

  // A bad email is refused with a field error; nothing is lost.
  await fillCheckout(page, { email: "not-an-email" });
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page.getByText("enter an email address like name@example.com")).toBeVisible();

  // The totals follow the shipping method, computed as the server charges.
  const total = page.locator(".totals .order-total:visible");
  // Every method's totals are in the page; CSS shows one once the stylesheet is in.
  await expect(total).toHaveCount(1);
  const standardTotal = await total.textContent();
  await page.getByRole("radio", { name: /^Express/ }).check();
  await expect(page.locator(".totals .shipping-price:visible")).toHaveText("$15.00");
  await expect(total).not.toHaveText(standardTotal!);
  const charged = (await total.textContent())!;

  // What was typed came back with the error, except the card number.
  await expect(page.getByLabel("City")).toHaveValue("London");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/orders\/o[0-9a-f]{24}\?key=[0-9a-f]{32}$/);
  await expect(page.getByTestId("order-state")).toHaveAttribute("data-state", "confirmed", { timeout: 15_000 });
  await expect(page.locator(".order-status")).toContainText(charged);
  await expect(page.getByTestId("cart-count")).toHaveText("0");
});
