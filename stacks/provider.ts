/**
 * The regional provider strategy: every resource is declared through one explicit AWS provider
 * whose region comes only from the stack's `aws:region`, with the platform's default tags. The same
 * program therefore deploys to any region by config alone, and nothing can fall back to a region
 * from the environment of whoever runs `pulumi up`.
 */
import * as aws from "@pulumi/aws";
import type { PlatformConfig } from "./config-types.js";

export function regionalProvider(config: PlatformConfig): aws.Provider {
  return new aws.Provider(`aws-${config.region}`, {
    region: config.region as aws.Region,
    defaultTags: {
      tags: {
        Project: "kyc-platform",
        Domain: config.domain,
        Environment: config.env,
        Stack: config.stack,
        ManagedBy: "pulumi",
      },
    },
  });
}
