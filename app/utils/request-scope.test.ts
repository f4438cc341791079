import { describe, expect, test } from "vitest";
import { inRequestScope, oncePerRequest } from "./request-scope.server";

const get = new Request("http://localhost/customers/acme");
const post = new Request("http://localhost/customers/acme", { method: "POST" });

describe("oncePerRequest", () => {
  test("the loaders of one GET share one read; the next request reads again", async () => {
    let reads = 0;
    const read = async () => ++reads;
    const view = () => inRequestScope(async () => Promise.all([oncePerRequest(get, "user", read), oncePerRequest(get, "user", read)]));
    expect(await view()).toEqual([1, 1]);
    expect(await view()).toEqual([2, 2]);
  });

  test("a POST reads every time (its loaders must see what the action changed), and so does code outside a request", async () => {
    let reads = 0;
    const read = () => ++reads;
    expect(inRequestScope(() => [oncePerRequest(post, "user", read), oncePerRequest(post, "user", read)])).toEqual([1, 2]);
    expect([oncePerRequest(get, "user", read), oncePerRequest(get, "user", read)]).toEqual([3, 4]);
  });
});
