import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { RecordingMocks } from "../stacks/offline/recording-mocks.js";
import { pulumiConfigForStack } from "../stacks/stack-files.js";

describe("index.ts, the program `pulumi up` runs", () => {
  it("reads the stack's config and exports its outputs", async () => {
    // Arrange: config and mocks first — the program declares resources as soon as it is imported.
    const mocks = new RecordingMocks("eu-west-2");
    pulumi.runtime.setAllConfig(pulumiConfigForStack("sit-london"));
    await pulumi.runtime.setMocks(mocks, "kyc-platform", "sit-london", false);

    // Act
    const program = await import("../index.js");
    const region = await new Promise((resolve) => pulumi.output(program.region).apply(resolve));

    // Assert
    expect(region).toBe("eu-west-2");
    expect(program.env).toBe("sit");
    await (pulumi.runtime as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs();
    expect(mocks.resources.find((r) => r.type === "pulumi:providers:aws")?.inputs.region).toBe("eu-west-2");
  });
});
