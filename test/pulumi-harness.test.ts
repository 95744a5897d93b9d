/** The mocks harness itself: `outputOf` gives an output's value, and its error instead of a hang. */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { outputOf } from "./support/pulumi-harness.js";

describe("outputOf", () => {
  it("resolves to the output's value, through applies", async () => {
    expect(await outputOf(pulumi.output(Promise.resolve(20)).apply((n) => n + 1))).toBe(21);
  });

  it("rejects with the error of a failed output, and of an output that depends on it", async () => {
    const failed = pulumi.output("ok").apply((): string => {
      throw new Error("mock said no");
    });
    await expect(outputOf(failed)).rejects.toThrow("mock said no");
    await expect(
      outputOf(pulumi.all([failed, pulumi.output("x")]).apply(([a, b]) => `${a}${b}`)),
    ).rejects.toThrow("mock said no");
  }, 10_000);
});
