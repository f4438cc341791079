import os from "node:os";
import { afterEach, describe, expect, test, vi } from "vitest";
import { loadConfig } from "./env.server";
import { lowerWorkerPriority, nicenessToSet } from "./process-priority.server";

afterEach(() => vi.restoreAllMocks());

describe("the CPU priority of processes that serve no page", () => {
  test("is only ever lowered", () => {
    expect(nicenessToSet(0, 10)).toBe(10);
    expect(nicenessToSet(9, 10)).toBe(10);
    expect(nicenessToSet(10, 10)).toBeNull();
    expect(nicenessToSet(15, 10)).toBeNull();
    expect(nicenessToSet(0, 0)).toBeNull();
  });

  test("DELIGHT_WORKER_NICE is 10 unless set to a whole number from 0 to 19", () => {
    expect(loadConfig({}).DELIGHT_WORKER_NICE).toBe(10);
    expect(loadConfig({ DELIGHT_WORKER_NICE: "" }).DELIGHT_WORKER_NICE).toBe(10);
    expect(loadConfig({ DELIGHT_WORKER_NICE: "0" }).DELIGHT_WORKER_NICE).toBe(0);
    expect(loadConfig({ DELIGHT_WORKER_NICE: " 19 " }).DELIGHT_WORKER_NICE).toBe(19);
    for (const bad of ["20", "-1", "5.5", "low", "1e1"]) {
      expect(() => loadConfig({ DELIGHT_WORKER_NICE: bad })).toThrow(
        `Configuration error: DELIGHT_WORKER_NICE: DELIGHT_WORKER_NICE "${bad}" is not a whole number from 0 (as the pages) to 19 (lowest)`,
      );
    }
  });

  // The operating system's calls are stood in for: the test runner's own priority could not be raised back.
  test("a process at the pages' priority goes down to the setting; one already lower stays", () => {
    const set = vi.spyOn(os, "setPriority").mockImplementation(() => {});
    vi.spyOn(os, "getPriority").mockReturnValue(0);
    expect(lowerWorkerPriority(() => {}, { DELIGHT_WORKER_NICE: 10 })).toBe(10);
    expect(set).toHaveBeenCalledWith(10);
    set.mockClear();
    vi.spyOn(os, "getPriority").mockReturnValue(15);
    expect(lowerWorkerPriority(() => {}, { DELIGHT_WORKER_NICE: 10 })).toBe(15);
    expect(set).not.toHaveBeenCalled();
  });

  test("a platform that refuses is reported in one line and the process goes on", () => {
    vi.spyOn(os, "getPriority").mockReturnValue(0);
    vi.spyOn(os, "setPriority").mockImplementation(() => {
      throw new Error("A system error occurred: uv_os_setpriority returned EACCES (permission denied)");
    });
    const lines: string[] = [];
    expect(lowerWorkerPriority((l) => lines.push(l), { DELIGHT_WORKER_NICE: 10 })).toBeNull();
    expect(lines).toEqual([
      `[delight] process ${process.pid} keeps its CPU priority: A system error occurred: uv_os_setpriority returned EACCES (permission denied)`,
    ]);
  });
});
