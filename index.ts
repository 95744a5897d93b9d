/**
 * The KYC event platform: one stack = one environment in one region.
 * Config is validated before any resource is declared; see stacks/ and the README's config reference.
 */
import { deployPlatform } from "./stacks/deploy.js";
import { readStackConfig } from "./stacks/read-stack-config.js";

const platform = deployPlatform(readStackConfig());

export const region = platform.region;
export const env = platform.env;
export const kmsKeyArn = platform.kmsKeyArn;
export const tokenSecretName = platform.tokenSecretName;
export const tokenManagerFunction = platform.tokenManagerFunction;
export const auditQueueUrl = platform.auditQueueUrl;
export const auditTableName = platform.auditTableName;
export const pipelines = platform.pipelines;
export const glueJobs = platform.glueJobs;
export const dashboards = platform.dashboards;
export const alarmTopicArn = platform.alarmTopicArn;
