/** `npm run docs:config`: rewrites the README's configuration reference from the schema. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "../../components/project-dir.js";
import { withReference } from "./reference.js";

const path = join(PROJECT_DIR, "README.md");
const readme = readFileSync(path, "utf8");
const updated = withReference(readme);
if (updated === readme) console.log("README.md config reference is up to date");
else {
  writeFileSync(path, updated);
  console.log("README.md config reference rewritten from stacks/config-schema");
}
