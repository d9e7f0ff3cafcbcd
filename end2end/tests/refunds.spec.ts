import { test, expect, hydrated, fillCheckout } from "./fixtures";

// The merchant is created by scripts/test.sh with `server create-merchant`.
const MERCHANT = process.env.MERCHANT_EMAIL ?? "merchant@example.com";
const PASSWORD = process.env.MERCHANT_PASSWORD ?? "merchant password 1";

test("a merchant refunds one unit of an order and the shopper sees the refund on the order page", async ({ page, browser }) => {
  // A shopper buys two units.
  await page.goto("/c/apparel/shirts?in_stock=1");
  const card = page.locator(".grid .card a").first();
  const title = (await card.locator("h3").textContent())!.trim();
  await card.click();
  await hydrated(page);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByTestId("cart-count")).toHaveText("1");
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByTestId("cart-count")).toHaveText("2");
  await page.goto("/cart");
  await page.getByRole("link", { name: "Check out" }).click();
  await fillCheckout(page, { email: `refund-${Date.now()}@example.com` });
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/orders\/o[0-9a-f]{24}\?key=[0-9a-f]{32}$/);
  await expect(page.getByTestId("order-state")).toHaveAttribute("data-state", "confirmed", { timeout: 15_000 });
  const orderId = page.url().match(/\/orders\/(o[0-9a-f]{24})/)![1];

  // The merchant refunds one of them, with a reason; a bad count is refused beside its field first.
  const ctx = await browser.newContext();
  const admin = await ctx.newPage();
  await admin.goto(`/account/sign-in?next=/admin/orders/${orderId}`);
  await admin.getByLabel("Email").fill(MERCHANT);
  await admin.getByLabel("Password").fill(PASSWORD);
  await admin.getByRole("button", { name: "Sign in" }).click();
  const form = admin.getByTestId("refund-lines");
  await expect(form).toBeVisible();
  await form.getByLabel(`Refund units of ${title}`).fill("1");
  await form.getByLabel(`Units of ${title} back into stock`).fill("2");
  await form.getByLabel("Reason (the shopper sees it)").fill("one arrived torn");
  await form.getByRole("button", { name: "Refund lines" }).click();
  await expect(admin.getByText("at most 1 (no more than refunded)")).toBeVisible();
  await admin.getByTestId("refund-lines").getByLabel(`Units of ${title} back into stock`).fill("1");
  await admin.getByTestId("refund-lines").getByRole("button", { name: "Refund lines" }).click();
  await expect(admin.getByText(/^Refunded \$\d+\.\d\d: the shopper gets an e-mail\.$/)).toBeVisible();
  await expect(admin.getByTestId("refunds")).toContainText(`1 × ${title}`);
  await ctx.close();

  // The shopper's order page lists it.
  await page.reload();
  await expect(page.getByTestId("order-refunds")).toContainText("one arrived torn");
});
