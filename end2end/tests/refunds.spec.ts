import { test, expect, hydrated, fillCheckout } from "./fixtures";
import { Browser, Page } from "@playwright/test";

// The merchant is created by scripts/test.sh with `server create-merchant`.
const MERCHANT = process.env.MERCHANT_EMAIL ?? "merchant@example.com";
const PASSWORD = process.env.MERCHANT_PASSWORD ?? "merchant password 1";

/** Buy two units of an in-stock shirt; the page ends on the confirmed order. */
async function buyTwo(page: Page): Promise<{ orderId: string; title: string }> {
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
  // The tracker island follows the order live, but the refunds and returns
  // part is server-rendered: it shows the return form only once the page is
  // rendered for a confirmed order, which the worker may not have reached
  // when the shopper landed here.
  await page.reload();
  return { orderId: page.url().match(/\/orders\/(o[0-9a-f]{24})/)![1], title };
}

/** A merchant's page on the order's admin view. */
async function merchantOn(browser: Browser, orderId: string): Promise<Page> {
  const admin = await (await browser.newContext()).newPage();
  await admin.goto(`/account/sign-in?next=/admin/orders/${orderId}`);
  await admin.getByLabel("Email").fill(MERCHANT);
  await admin.getByLabel("Password").fill(PASSWORD);
  await admin.getByRole("button", { name: "Sign in" }).click();
  await expect(admin).toHaveURL(new RegExp(`/admin/orders/${orderId}$`));
  return admin;
}

test("a merchant refunds one unit of an order and the shopper sees the refund on the order page", async ({ page, browser }) => {
  const { orderId, title } = await buyTwo(page);

  // The merchant refunds one of them, with a reason; a bad count is refused beside its field first.
  const admin = await merchantOn(browser, orderId);
  const form = admin.getByTestId("refund-lines");
  await form.getByLabel(`Refund units of ${title}`).fill("1");
  await form.getByLabel(`Units of ${title} back into stock`).fill("2");
  await form.getByLabel("Reason (the shopper sees it)").fill("one arrived torn");
  await form.getByRole("button", { name: "Refund lines" }).click();
  await expect(admin.getByText("at most 1 (no more than refunded)")).toBeVisible();
  await admin.getByTestId("refund-lines").getByLabel(`Units of ${title} back into stock`).fill("1");
  await admin.getByTestId("refund-lines").getByRole("button", { name: "Refund lines" }).click();
  await expect(admin.getByText(/^Refunded \$\d+\.\d\d: the shopper gets an e-mail\.$/)).toBeVisible();
  await expect(admin.getByTestId("refunds")).toContainText(`1 × ${title}`);
  await admin.context().close();

  // The shopper's order page lists it.
  await page.reload();
  await expect(page.getByTestId("order-refunds")).toContainText("one arrived torn");
});

test("a shopper asks to return a unit, the merchant approves it and refunds it on receipt", async ({ page, browser }) => {
  const { orderId, title } = await buyTwo(page);
  const form = page.getByTestId("return-form");
  await form.getByLabel(new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(up to 2\\)`)).fill("1");
  await form.getByLabel("Why are you returning them?").fill("too small");
  await form.getByRole("button", { name: "Ask for a return" }).click();
  await expect(page.getByText("We received your return request")).toBeVisible();
  await expect(page.getByTestId("order-returns")).toContainText("Waiting for the shop");

  const admin = await merchantOn(browser, orderId);
  const returns = admin.getByTestId("returns");
  await returns.getByLabel("Note to the shopper").fill("send it back");
  await returns.getByRole("button", { name: "Approve" }).click();
  await expect(admin.getByText("Return request approved: the shopper gets an e-mail.")).toBeVisible();
  await admin.getByTestId("returns").getByRole("button", { name: "Received: refund and restock" }).click();
  await expect(admin.getByText(/^Refunded \$\d+\.\d\d: the shopper gets an e-mail\.$/)).toBeVisible();
  await admin.context().close();

  await page.goto(page.url().split("?form=")[0]);
  await expect(page.getByTestId("order-returns")).toContainText("Refunded");
  await expect(page.getByTestId("order-refunds")).toContainText("too small");
});
