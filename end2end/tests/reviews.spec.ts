import { test, expect, hydrated, fillCheckout } from "./fixtures";

// The merchant is created by scripts/test.sh with `server create-merchant`.
const MERCHANT = process.env.MERCHANT_EMAIL ?? "merchant@example.com";
const PASSWORD = process.env.MERCHANT_PASSWORD ?? "merchant password 1";

test("a buyer reviews a product, the merchant approves it, every shopper sees it with its rating", async ({ page, browser }) => {
  const tag = Date.now().toString(36);
  const email = `reviewer-${tag}@example.com`;
  const body = `Warm, well made <b>and</b> true to size ${tag}`;

  // A shopper signs up and buys one item.
  const shopperCtx = await browser.newContext();
  const shopper = await shopperCtx.newPage();
  await shopper.goto("/account/sign-up");
  await shopper.getByLabel("Email").fill(email);
  await shopper.getByLabel("Password").fill("a long enough password");
  await shopper.getByRole("button", { name: "Create account" }).click();
  await expect(shopper).toHaveURL(/\/account$/);
  await shopper.goto("/c/apparel/shirts?in_stock=1");
  await shopper.locator(".grid .card a").first().click();
  await hydrated(shopper);
  const productUrl = shopper.url().split("?")[0];
  await shopper.getByRole("button", { name: "Add to cart" }).click();
  await expect(shopper.getByTestId("cart-count")).toHaveText("1");
  await shopper.goto("/checkout");
  await fillCheckout(shopper, { email });
  await shopper.getByRole("button", { name: "Place order" }).click();
  await expect(shopper.getByTestId("order-state")).toHaveAttribute("data-state", "confirmed", { timeout: 15_000 });

  // The browser holds back a too-short review (minlength); the server's own
  // field errors for it are covered by server/tests/api/reviews.rs.
  await shopper.goto(productUrl);
  await shopper.getByLabel("Rating").selectOption("4");
  await expect(shopper.getByLabel("Review", { exact: true })).toHaveAttribute("minlength", "10");
  await shopper.getByLabel("Review", { exact: true }).fill(body);
  await shopper.getByRole("button", { name: "Submit review" }).click();
  await expect(shopper.getByText("your review will appear once the shop approves it")).toBeVisible();
  await expect(shopper.getByTestId("my-review-state")).toContainText("waits for the shop's approval");
  await shopperCtx.close();

  // The merchant approves it.
  await page.goto("/account/sign-in?next=/admin/reviews");
  await page.getByLabel("Email").fill(MERCHANT);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin\/reviews$/);
  const row = page.getByTestId("pending-reviews").locator("tr", { hasText: tag });
  await expect(row).toContainText("<b>and</b>");
  await row.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByText("Review approved.")).toBeVisible();

  // An anonymous shopper sees it, as text, with the rating in the JSON-LD.
  const anonCtx = await browser.newContext();
  const anon = await anonCtx.newPage();
  await anon.goto(productUrl);
  const reviews = anon.getByTestId("reviews");
  await expect(reviews.getByText(body)).toBeVisible();
  await expect(anon.getByTestId("review-summary")).toContainText("out of 5");
  const ld = (await anon.locator('script[type="application/ld+json"]').allTextContents()).join("\n");
  expect(ld).toContain('"aggregateRating"');
  await anonCtx.close();
});
