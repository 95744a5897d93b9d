/** The project's root folder (where `Pulumi.yaml` and `handlers/` are), for bundling and assets. */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
