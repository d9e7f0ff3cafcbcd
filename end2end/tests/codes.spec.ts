import { test, expect, hydrated, fillCheckout } from "./fixtures";
import { Page } from "@playwright/test";

// The merchant is created by scripts/test.sh with `server create-merchant`.
const MERCHANT = process.env.MERCHANT_EMAIL ?? "merchant@example.com";
const PASSWORD = process.env.MERCHANT_PASSWORD ?? "merchant password 1";

async function buyOne(page: Page) {
  await page.goto("/c/apparel/shirts?in_stock=1");
  await page.locator(".grid .card a").first().click();
  await hydrated(page);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByTestId("cart-count")).toHaveText("1");
  await page.goto("/cart");
}

test("a merchant makes a one-use code, a shopper pays the discounted total, the next shopper is told it is used up", async ({ page, browser }) => {
  const code = `PW${Date.now().toString(36)}`.toUpperCase();

  await page.goto("/account/sign-in?next=/admin/promotions");
  await page.getByLabel("Email").fill(MERCHANT);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin\/promotions$/);
  await page.getByRole("link", { name: "New code" }).click();

  // A percentage over 100: an error beside the field, nothing saved, input kept.
  await page.getByLabel("Code", { exact: true }).fill(code);
  await page.getByLabel("Value").fill("150");
  await page.getByLabel("Usage limit").fill("1");
  await page.getByRole("button", { name: "Save code" }).click();
  await expect(page.getByText("a percentage is a whole number from 1 to 100")).toBeVisible();
  await expect(page.getByLabel("Code", { exact: true })).toHaveValue(code);
  await page.getByLabel("Value").fill("20");
  await page.getByRole("button", { name: "Save code" }).click();
  await expect(page.getByText(`Code ${code} saved.`)).toBeVisible();
  await expect(page.getByTestId("promotions")).toContainText("0 of 1");

  // A shopper applies it in lower case and checks out.
  const shopperCtx = await browser.newContext();
  const shopper = await shopperCtx.newPage();
  await buyOne(shopper);
  await shopper.getByRole("textbox", { name: "Discount code" }).fill(code.toLowerCase());
  await shopper.getByRole("button", { name: "Apply" }).click();
  await expect(shopper.getByText(`Code applied: ${code}: 20% off.`)).toBeVisible();
  await expect(shopper.getByTestId("code-applied")).toContainText(code);
  await shopper.getByRole("link", { name: "Check out" }).click();
  await expect(shopper.getByTestId("discount")).toHaveText(/^−\$\d+\.\d\d$/);
  await fillCheckout(shopper, { email: `coder-${code.toLowerCase()}@example.com` });
  await shopper.getByRole("radio", { name: /^Express/ }).check();
  const total = shopper.locator(".totals .order-total:visible");
  await expect(total).toHaveCount(1);
  const charged = (await total.textContent())!;
  await shopper.getByRole("button", { name: "Place order" }).click();
  await expect(shopper).toHaveURL(/\/orders\/o[0-9a-f]{24}\?key=[0-9a-f]{32}$/);
  await expect(shopper.getByTestId("order-state")).toHaveAttribute("data-state", "confirmed", { timeout: 15_000 });
  await expect(shopper.locator(".order-status")).toContainText(charged);
  await shopperCtx.close();

  // The merchant sees the use; the next shopper is told the code is used up.
  await page.goto("/admin/promotions");
  await expect(page.getByTestId("promotions")).toContainText("1 of 1");
  const nextCtx = await browser.newContext();
  const next = await nextCtx.newPage();
  await buyOne(next);
  await next.getByRole("textbox", { name: "Discount code" }).fill(code);
  await next.getByRole("button", { name: "Apply" }).click();
  await expect(next.getByText(`Sorry, the code ${code} has been used up.`)).toBeVisible();
  await expect(next.getByTestId("code-applied")).toHaveCount(0);
  await nextCtx.close();
});
