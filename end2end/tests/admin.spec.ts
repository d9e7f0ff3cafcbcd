import { test, expect, hydrated } from "./fixtures";
import { Page } from "@playwright/test";

// The merchant is created by scripts/test.sh with `server create-merchant`.
const MERCHANT = process.env.MERCHANT_EMAIL ?? "merchant@example.com";
const PASSWORD = process.env.MERCHANT_PASSWORD ?? "merchant password 1";

// A 1×1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4//8/AwAI/AL+p5qgoAAAAABJRU5ErkJggg==",
  "base64",
);

function consoleErrors(page: Page, allow: RegExp): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !allow.test(m.text())) errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

test("a merchant creates a product, a shopper buys it, the merchant refunds it; shoppers cannot open the admin", async ({ page, browser }) => {
  const tag = Date.now().toString(36);
  const title = `Playwright Parka ${tag}`;

  // The merchant signs in and creates a product with an image.
  await page.goto("/account/sign-in?next=/admin");
  await page.getByLabel("Email").fill(MERCHANT);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole("heading", { name: "Shop admin" })).toBeVisible();
  await page.getByRole("link", { name: "Products", exact: true }).click();
  await page.getByRole("link", { name: "New product" }).click();

  // First a bad price: a field error, nothing saved, input kept.
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Brand").fill("Northwind");
  await page.getByLabel("Category").fill("apparel/outerwear");
  await page.getByLabel("SKU 1").fill(`PARKA-${tag}`.toUpperCase());
  await page.getByLabel("Options 1").fill("size=M");
  await page.getByLabel("Price 1").fill("-120");
  await page.getByLabel("Stock 1").fill("4");
  await page.getByRole("button", { name: "Save product" }).click();
  await expect(page.getByText("must not be negative")).toBeVisible();
  await expect(page.getByLabel("Title")).toHaveValue(title);

  await page.getByLabel("Price 1").fill("120.00");
  await page.getByLabel(/Add an image/).setInputFiles({ name: "parka.png", mimeType: "image/png", buffer: PNG });
  await page.getByLabel("Image description (alt text)").fill("A green parka");
  await page.getByRole("button", { name: "Save product" }).click();
  await expect(page.getByText("Saved. The storefront shows the change now.")).toBeVisible();
  const slug = await page.getByLabel("Slug").inputValue();

  // The storefront shows it at once, image included.
  await page.goto(`/p/${slug}`);
  await expect(page.getByRole("heading", { name: title })).toBeVisible();
  const img = page.getByRole("img", { name: "A green parka" }).first();
  await expect(img).toBeVisible();
  expect(await img.evaluate((i: HTMLImageElement) => i.naturalWidth)).toBeGreaterThan(0);

  // A shopper (own browser context) signs up and buys it.
  const shopperCtx = await browser.newContext();
  const shopper = await shopperCtx.newPage();
  const shopperErrors = consoleErrors(shopper, /status of 403/);
  await shopper.goto("/account/sign-up");
  await shopper.getByLabel("Email").fill(`buyer-${tag}@example.com`);
  await shopper.getByLabel("Password").fill("a long enough password");
  await shopper.getByRole("button", { name: "Create account" }).click();
  await expect(shopper).toHaveURL(/\/account$/);
  await expect(shopper.getByText("No orders yet")).toBeVisible();
  await shopper.goto(`/p/${slug}`);
  await hydrated(shopper);
  await shopper.getByRole("button", { name: "Add to cart" }).click();
  await expect(shopper.getByTestId("cart-count")).toHaveText("1");
  await shopper.goto("/checkout");
  await hydrated(shopper);
  await shopper.getByLabel("Email").fill(`buyer-${tag}@example.com`);
  await shopper.getByLabel("Full name").fill("Grace Hopper");
  await shopper.getByLabel("Address", { exact: true }).fill("1 Navy Way");
  await shopper.getByLabel("City").fill("Arlington");
  await shopper.getByLabel("Postal code").fill("22202");
  await shopper.getByLabel("Country").selectOption("US");
  await shopper.getByLabel("Card number").fill("4242 4242 4242 4242");
  await shopper.getByRole("button", { name: "Place order" }).click();
  await expect(shopper).toHaveURL(/\/orders\/o[0-9a-f]{24}\?key=[0-9a-f]{32}$/);
  const orderId = new URL(shopper.url()).pathname.split("/").pop()!;
  await expect(shopper.getByTestId("order-state")).toHaveAttribute("data-state", "confirmed", { timeout: 15_000 });
  await shopper.goto("/account");
  await expect(shopper.getByRole("link", { name: orderId })).toBeVisible();

  // The shopper cannot open the admin.
  const denied = await shopper.goto("/admin");
  expect(denied?.status()).toBe(403);
  await expect(shopper.getByText("this account cannot open the shop admin")).toBeVisible();
  expect(shopperErrors, "shopper console errors").toEqual([]);
  await shopperCtx.close();

  // The merchant finds the order and refunds it.
  await page.goto("/admin/orders?status=confirmed");
  await page.getByRole("link", { name: orderId }).click();
  await expect(page.locator("#order-status")).toHaveText("confirmed");
  await page.getByRole("button", { name: "Refund order" }).click();
  await expect(page.getByText("Order refunded: payment returned and stock restored.")).toBeVisible();
  await expect(page.locator("#order-status")).toHaveText("refunded");
});
