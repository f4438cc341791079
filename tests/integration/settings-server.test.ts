import { describe, expect, test } from "vitest";
import * as settings from "../../app/routes/_app.settings";
import { callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp({ DELIGHT_REFRESH_INTERVAL: "6h", DELIGHT_RUN_RETENTION: "30d", DELIGHT_SCHEDULER: "off" });

describe(`Settings' Server panel (${process.env.DELIGHT_TEST_DB})`, () => {
  test("says how often customers are refreshed and how long their runs are kept, in words, to every role", async () => {
    for (const role of ["admin", "viewer"] as const) {
      const { cookie } = await app.signIn(role);
      const page = await callLoader(settings, "/settings", { cookie });
      expect({ role, every: page.data.refreshEvery, kept: page.data.runsKept }).toEqual({
        role,
        every: "every 6 hours",
        kept: "for 30 days",
      });
    }
  });
});
