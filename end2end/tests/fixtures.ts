import { test as base, expect, Page } from "@playwright/test";

// Every test fails on a console error or an uncaught page error.
export const test = base.extend<{ page: Page }>({
  page: async ({ page }, use) => {
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await use(page);
    expect(errors, "console errors").toEqual([]);
  },
});

export { expect };

/** The checkout's address form, filled as a London shopper would (a
 * field given as `null` is left empty). */
export async function fillCheckout(
  page: Page,
  fields: { email: string; postalCode?: string | null },
) {
  await page.getByLabel("Email").fill(fields.email);
  await page.getByLabel("Full name").fill("Ada Lovelace");
  await page.getByLabel("Address", { exact: true }).fill("12 St James's Square");
  await page.getByLabel("City").fill("London");
  if (fields.postalCode !== null) await page.getByLabel("Postal code").fill(fields.postalCode ?? "SW1Y 4JH");
  await page.getByLabel("Country").selectOption("GB");
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
}

/** Wait until the islands have hydrated (set only by a client-side effect). */
export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}
