/**
 * The stack's customer-managed KMS key: every store (secrets, queues, streams, buckets, tables,
 * log groups, the alarm topic) is encrypted with it. Rotation is on; the key policy lets the
 * account administer it through IAM and lets CloudWatch Logs and CloudWatch alarms use it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PipelineConfig } from "./event-pipeline-config.js";
import { platformKeyCrossAccountStatements } from "./cross-account-access.js";
import type { Naming } from "./naming.js";

export interface PlatformKeyArgs {
  naming: Naming;
  /**
   * Pipelines whose `readerPrincipals` / `uploaderPrincipals` (other accounts) get the key, each
   * only through Kinesis or S3 in this region and for its own stream or bucket.
   * @default `[]` (the key is used by this account, CloudWatch Logs and CloudWatch alarms only)
   */
  crossAccountPipelines?: PipelineConfig[];
}

export class PlatformKey extends pulumi.ComponentResource {
  public readonly key: aws.kms.Key;
  public readonly arn: pulumi.Output<string>;
  public readonly aliasName: string;

  constructor(name: string, args: PlatformKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kyc:platform:PlatformKey", name, {}, opts);
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    const region = args.naming.region;
    const accountRoot = pulumi.interpolate`arn:${partition.partition}:iam::${identity.accountId}:root`;

    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `KYC platform data key (${args.naming.env}, ${region})`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AccountAdministersThroughIam",
              Effect: "Allow",
              Principal: { AWS: accountRoot },
              Action: "kms:*",
              Resource: "*",
            },
            {
              Sid: "CloudWatchLogsEncryptsLogGroups",
              Effect: "Allow",
              Principal: { Service: `logs.${region}.amazonaws.com` },
              Action: [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
              ],
              Resource: "*",
              Condition: {
                ArnLike: {
                  "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${partition.partition}:logs:${region}:${identity.accountId}:log-group:*`,
                },
              },
            },
            {
              Sid: "CloudWatchAlarmsPublishToEncryptedTopic",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
              Resource: "*",
              Condition: { StringEquals: { "aws:SourceAccount": identity.accountId } },
            },
            ...platformKeyCrossAccountStatements(args.crossAccountPipelines ?? [], args.naming, {
              partition: partition.partition,
              accountId: identity.accountId,
            }),
          ],
        }),
      },
      { parent: this },
    );
    this.aliasName = `alias/${args.naming.physicalName("kms-alias", "platform")}`;
    new aws.kms.Alias(
      `${name}-alias`,
      { name: this.aliasName, targetKeyId: this.key.keyId },
      { parent: this },
    );
    this.arn = this.key.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
