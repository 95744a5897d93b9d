/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program:
 * project defaults first, stack values over them, every value a string (maps and lists as JSON).
 * Used by the offline plan, the tests and the local run, so all three see exactly what `pulumi up`
 * would see for that stack.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../components/project-dir.js";
import { PROJECT_NAME } from "./validate-config.js";

export { PROJECT_DIR };

/** Config in Pulumi's own form: `namespace:key` → string. */
export type PulumiConfigMap = Record<string, string>;

interface ProjectConfigDeclaration {
  type?: string;
  description?: string;
  default?: unknown;
  value?: unknown;
}

function asConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function qualify(key: string): string {
  return key.includes(":") ? key : `${PROJECT_NAME}:${key}`;
}

/** Every key declared in Pulumi.yaml, with its declaration. */
export function projectConfigDeclarations(
  projectDir = PROJECT_DIR,
): Record<string, ProjectConfigDeclaration> {
  const project = parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const declarations: Record<string, ProjectConfigDeclaration> = {};
  for (const [key, declaration] of Object.entries(project.config ?? {})) {
    declarations[key] =
      typeof declaration === "object" && declaration !== null && !Array.isArray(declaration)
        ? (declaration as ProjectConfigDeclaration)
        : { value: declaration };
  }
  return declarations;
}

/** Stack names that have a `Pulumi.<stack>.yaml`. */
export function stackNames(projectDir = PROJECT_DIR): string[] {
  return readdirSync(projectDir)
    .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

/** The merged config of one stack, plus any `key=value` overrides (as `pulumi config set` would add). */
export function pulumiConfigForStack(
  stack: string,
  overrides: Record<string, string> = {},
  projectDir = PROJECT_DIR,
): PulumiConfigMap {
  const file = join(projectDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) {
    throw new Error(`No stack file Pulumi.${stack}.yaml; stacks here: ${stackNames(projectDir).join(", ")}.`);
  }
  const merged: PulumiConfigMap = {};
  for (const [key, declaration] of Object.entries(projectConfigDeclarations(projectDir))) {
    const value = declaration.value ?? declaration.default;
    if (value !== undefined) merged[qualify(key)] = asConfigString(value);
  }
  const stackFile = parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  for (const [key, value] of Object.entries(stackFile?.config ?? {})) {
    if (typeof value === "object" && value !== null && "secure" in value) continue; // encrypted: needs the CLI
    merged[qualify(key)] = asConfigString(value);
  }
  for (const [key, value] of Object.entries(overrides)) merged[qualify(key)] = value;
  return merged;
}
