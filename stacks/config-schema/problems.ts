/** How a problem reads: the key as a user types it in a stack file, then what is wrong and the fix. */

/** The Pulumi project name: the namespace users type in `pulumi config set`. */
export const PROJECT_NAME = "kyc-platform";

/** `kyc-platform:tokenUrl` as a user sees it in a stack file (`aws:region` keeps its own namespace). */
export const configKey = (key: string) => (key.includes(":") ? key : `${PROJECT_NAME}:${key}`);

/** `kyc-platform:pipelines[0].name is "CTA!"; use …` from the path `["pipelines", 0, "name"]`. */
export function problemText(path: readonly PropertyKey[], message: string): string {
  const [key, ...inside] = path;
  const where = inside.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
  return `${configKey(String(key))}${where} ${message}`;
}
