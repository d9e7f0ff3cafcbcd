import { test as plain } from "@playwright/test";
import { test, expect, hydrated } from "./fixtures";

test("the page hydrates and an island changes it without a reload", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto("/");
  await hydrated(page);
  // A marker on window survives only if the page is not reloaded.
  await page.evaluate(() => ((window as any).__noReload = true));
  const toggle = page.getByRole("button", { name: "Menu" });
  await expect(toggle).toHaveAttribute("aria-expanded", "false");
  await toggle.click();
  await expect(page.getByRole("button", { name: "Close menu" })).toHaveAttribute("aria-expanded", "true");
  await expect(page.locator("#site-nav")).toHaveAttribute("data-open", "true");
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
});

// Chromium logs the 404 document itself as a console error, so this one test
// uses the plain fixture.
plain("an unknown page answers 404 with a helpful page", async ({ page }) => {
  const res = await page.goto("/no-such-page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});
