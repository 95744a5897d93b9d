/** Small typed helpers for IAM policy documents, so every component writes least privilege the same way. */
import * as pulumi from "@pulumi/pulumi";

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: pulumi.Input<string> | pulumi.Input<string>[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** A policy document as a JSON string output (no provider invoke, so it renders offline too). */
export function policyDocument(statements: pulumi.Input<PolicyStatement>[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/** Trust policy letting one AWS service assume a role. */
export function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

/** Write own logs: the only CloudWatch Logs rights a function needs (its log group is pre-created). */
export function logWriteStatement(logGroupArn: pulumi.Input<string>): PolicyStatement {
  return {
    Sid: "WriteOwnLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: pulumi.interpolate`${logGroupArn}:*`,
  };
}

/** Use of the platform key for data this role reads and writes (SQS, Kinesis, S3, DynamoDB, secrets). */
export function kmsUseStatement(keyArn: pulumi.Input<string>): PolicyStatement {
  return {
    Sid: "UsePlatformKey",
    Effect: "Allow",
    Action: ["kms:Decrypt", "kms:GenerateDataKey"],
    Resource: keyArn,
  };
}

/**
 * PutMetricData cannot be scoped to a resource; the condition limits it to the component's own
 * namespace(s). (In Lambda the EMF sink needs no API call; this serves the PutMetricData sink.)
 */
export function putMetricStatement(namespace: string | string[]): PolicyStatement {
  const namespaces = Array.isArray(namespace) ? namespace : [namespace];
  return {
    Sid: "PublishOwnMetrics",
    Effect: "Allow",
    Action: "cloudwatch:PutMetricData",
    Resource: "*",
    Condition: {
      StringEquals: { "cloudwatch:namespace": namespaces.length === 1 ? namespaces[0]! : namespaces },
    },
  };
}
