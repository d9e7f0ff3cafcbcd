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

/** Wait until the islands have hydrated (set only by a client-side effect). */
export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}
