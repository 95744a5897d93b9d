import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../stacks/config-reader.js";
import { concurrencyTable } from "../stacks/lambda-concurrency.js";
import { configFromMap } from "../stacks/read-stack-config.js";
import {
  PROJECT_DIR,
  projectConfigDeclarations,
  pulumiConfigForStack,
  stackNames,
} from "../stacks/stack-files.js";
import { PROJECT_NAME } from "../stacks/validate-config.js";

const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");

describe("README stays true", () => {
  it("the config reference lists every key Pulumi.yaml declares, with its default", () => {
    for (const [key, declaration] of Object.entries(projectConfigDeclarations())) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${key}\` |`));
      expect(row ?? "", `README has no config row for ${key}`).toMatch(
        /^\| `[^`]+` \| (string|integer|list|map) \|/,
      );
      if (declaration.type !== undefined && declaration.default !== undefined && declaration.default !== "") {
        expect(row, key).toContain(String(declaration.default));
      }
    }
  });

  it("says exactly what the Pulumi CLI requires before the program runs: nothing, so the program's messages are the ones shown", () => {
    // The CLI's rule (issue #10, finding 4): a project key is required exactly when it has a type and no default.
    const cliRequired = Object.entries(projectConfigDeclarations())
      .filter(([, d]) => d.type !== undefined && d.default === undefined)
      .map(([key]) => key);
    expect(cliRequired).toEqual([]);
  });

  it("every key the README marks required is one the program refuses to run without, with the pulumi config set command", () => {
    const required = readme
      .split("\n")
      .flatMap((line) => /^\| `([^`]+)` \| \w+ \| \*\*required\*\* \|/.exec(line)?.[1] ?? [])
      .filter((key) => key !== "aws:region");
    expect(required.sort()).toEqual(["env", "salesforceInstanceUrl", "tokenUrl"]);
    for (const key of required) {
      // What the CLI hands the program when the stack does not set the key: Pulumi.yaml's default.
      const unset = {
        ...pulumiConfigForStack("sit"),
        [`${PROJECT_NAME}:${key}`]: String(projectConfigDeclarations()[key]?.default),
      };
      const error = (() => {
        try {
          configFromMap("sit", unset);
        } catch (e) {
          return e;
        }
      })();
      expect(error, key).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join("\n"), key).toMatch(
        new RegExp(`${PROJECT_NAME}:${key} is missing\\..*pulumi config set --stack sit ${key} `),
      );
    }
  });

  it("shows prod's missing token URL as the README promises: the program's message with the command", () => {
    expect(readme).toContain("pulumi config set --stack prod tokenUrl https://<production TIAA auth URL>");
    expect(() => configFromMap("prod", pulumiConfigForStack("prod"))).toThrow(
      "pulumi config set --stack prod tokenUrl https://<production TIAA auth URL>",
    );
  });

  it("gives each stack's Lambda concurrency as computed from its config (stacks/lambda-concurrency.ts)", () => {
    const PROD = { tokenUrl: "https://tiaa-auth.prod.kyc-bank.example/oauth2/token" };
    const table = concurrencyTable(
      stackNames().map((stack) => ({
        stack,
        config: configFromMap(stack, pulumiConfigForStack(stack, stack === "prod" ? PROD : {})),
      })),
    );
    expect(readme, `README's concurrency table should be:\n${table}`).toContain(table);
  });

  it("names the two set-up commands and the plan command", () => {
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toContain("npm ci && npm test");
    expect(readme).toContain("npm run plan -- sit --json");
  });
});
