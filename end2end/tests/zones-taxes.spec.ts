import { test, expect, fillCheckout, hydrated } from "./fixtures";

// Shipping zones and taxes, end to end: the merchant adds a zone for Japan
// with its own method and a Japanese tax rate (a zone overlapping it is
// refused beside its field); a shopper shipping to Japan is offered only
// that method, sees the tax line, and is charged it; with Wasm, the checkout
// island shows the same totals as soon as Japan is picked, with no post,
// priced in the browser by the engine the server charges with. Only Japan changes, so
// the specs running beside this one (shipping to the UK) are unaffected.
const MERCHANT = process.env.MERCHANT_EMAIL ?? "merchant@example.com";
const PASSWORD = process.env.MERCHANT_PASSWORD ?? "merchant password 1";

test("a merchant adds a zone and a tax rate for Japan, and a shopper shipping there is charged them", async ({ page, browser }) => {
  await page.goto("/account/sign-in?next=/admin/shipping");
  await page.getByLabel("Email").fill(MERCHANT);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin\/shipping$/);

  const add = page.locator("form.zone-form").last();
  await add.locator('[name="name"]').fill("Japan");
  await add.locator('[name="areas"]').fill("JP");
  await add.locator('[name="m0.label"]').fill("Japan post (5–8 days)");
  await add.locator('[name="m0.code"]').fill("jp-post");
  await add.locator('[name="m0.kind"]').selectOption("flat");
  await add.locator('[name="m0.price"]').fill("12");
  await add.getByRole("button", { name: "Add zone" }).click();
  await expect(page.getByTestId("zones")).toContainText("Japan post (5–8 days)");

  // A second zone naming Japan again: refused beside its field, nothing saved.
  const again = page.locator("form.zone-form").last();
  await again.locator('[name="name"]').fill("Far East");
  await again.locator('[name="areas"]').fill("JP");
  await again.locator('[name="m0.label"]').fill("Boat");
  await again.locator('[name="m0.code"]').fill("boat");
  await again.locator('[name="m0.kind"]').selectOption("flat");
  await again.locator('[name="m0.price"]').fill("3");
  await again.getByRole("button", { name: "Add zone" }).click();
  await expect(page.getByText("JP is already in the zone Japan")).toBeVisible();
  await page.goto("/admin/shipping");
  await expect(page.getByTestId("zones")).not.toContainText("Far East");

  await page.goto("/admin/taxes");
  const rates = page.getByTestId("tax-rates");
  const areas = rates.locator('input[name$=".area"]');
  const free = await areas.evaluateAll((els) => els.findIndex((e) => !(e as HTMLInputElement).value));
  expect(free).toBeGreaterThanOrEqual(0);
  const row = (await areas.nth(free).getAttribute("name"))!.split(".")[0];
  await page.locator(`[name="${row}.area"]`).fill("JP");
  await page.locator(`[name="${row}.label"]`).fill("Consumption tax");
  await page.locator(`[name="${row}.rate"]`).fill("10");
  await page.getByRole("button", { name: "Save taxes" }).click();
  await expect(page.locator(`[name$=".label"][value="Consumption tax"]`)).toHaveCount(1);

  // A shopper in Japan: only Japan's method, the tax line, charged both.
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const shopper = await ctx.newPage();
  await shopper.goto("/c/apparel/shirts?in_stock=1");
  await shopper.locator(".grid .card a").first().click();
  await shopper.getByRole("button", { name: "Add to cart" }).click();
  await shopper.goto("/checkout");
  await fillCheckout(shopper, { email: "kenji@example.com" });
  await shopper.getByLabel("Country").selectOption("JP");
  await shopper.getByTestId("update-shipping").click();
  await expect(shopper.getByText("Shipping method to Japan")).toBeVisible();
  await expect(shopper.getByRole("radio")).toHaveCount(1);
  await expect(shopper.getByRole("radio", { name: /^Japan post/ })).toBeChecked();
  const totals = shopper.getByTestId("checkout-totals");
  await expect(totals).toContainText("Consumption tax 10%");
  await expect(totals.locator(".shipping-price").first()).toHaveText("$12.00");
  const charged = (await totals.locator(".order-total").first().textContent())!;
  await shopper.getByLabel("Card number").fill("4242 4242 4242 4242");
  await shopper.getByRole("button", { name: "Place order" }).click();
  await expect(shopper).toHaveURL(/\/orders\/o[0-9a-f]{24}\?key=[0-9a-f]{32}$/);
  const orderUrl = shopper.url();
  const id = orderUrl.split("/orders/")[1].split("?")[0];
  await ctx.close();

  // The merchant's order page, once the worker has stored the order.
  await expect
    .poll(async () => {
      await page.goto(`/admin/orders/${id}`);
      return page.getByTestId("order-tax").count();
    }, { timeout: 15_000 })
    .toBe(1);
  await expect(page.getByTestId("order-tax")).toContainText("Consumption tax 10%");
  await expect(page.locator(".facts")).toContainText(charged);

  // With Wasm: picking Japan re-prices in the browser, with no post and no
  // request, to the total the server charged the shopper above.
  await page.goto("/c/apparel/shirts?in_stock=1");
  await page.locator(".grid .card a").first().click();
  await hydrated(page);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByTestId("cart-count")).not.toHaveText("0");
  await page.goto("/checkout");
  await hydrated(page);
  await expect(page.getByTestId("update-shipping")).toBeHidden();
  const posts: string[] = [];
  page.on("request", (r) => { if (r.method() === "POST") posts.push(r.url()); });
  const live = page.getByTestId("checkout-totals");
  await page.getByLabel("Country").selectOption("JP");
  await expect(page.getByText("Shipping method to Japan")).toBeVisible();
  await expect(page.getByRole("radio")).toHaveCount(1);
  await expect(live).toContainText("Consumption tax 10%");
  await expect(live.locator(".order-total").first()).toHaveText(charged);
  await page.getByLabel("Country").selectOption("GB");
  await expect(page.getByText("Shipping method to United Kingdom")).toBeVisible();
  await expect(page.getByRole("radio")).toHaveCount(2);
  await expect(live).not.toContainText("Consumption tax");
  expect(posts).toEqual([]);
});
