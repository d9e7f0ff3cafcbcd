import { test, expect } from "./fixtures";

// "Sign in with" through the local OpenID Connect issuer (scripts/oidc.sh):
// scripts/test.sh registers this server as its client. The issuer's page
// takes a login "SUBJECT/EMAIL/yes" (yes: it vouches for the e-mail).
test("a shopper signs in with the outside issuer and lands on their account", async ({ page }) => {
  const who = `e2e-${Date.now()}`;
  await page.goto("/account/sign-in");
  await page.getByRole("link", { name: "Sign in with Local ID" }).click();
  await page.locator("input[name=login]").fill(`${who}/${who}@example.com/yes`);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText(`${who}@example.com`)).toBeVisible();
});
