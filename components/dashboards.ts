/**
 * The platform's two CloudWatch dashboards (functional = business view, technical = engineering
 * view), its alarms, and the SNS topic they notify. Everything is built from the components'
 * monitoring facts (their real physical names and the metrics they emit) plus the externally
 * managed resources listed in stack config; no widget is left to be added by hand in the console.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ExternalResources } from "./dashboards-config.js";
import { createAlarms, type CreatedAlarm } from "./monitoring/alarms.js";
import type { AuditFacts, GlueJobFacts, PipelineFacts, TokenManagerFacts } from "./monitoring/facts.js";
import { dashboardBody } from "./monitoring/layout.js";
import type { Segment, SegmentContext } from "./monitoring/segments/common.js";
import { alarmSection, platformMonitoring } from "./monitoring/segments/platform.js";
import type { Naming } from "./naming.js";

export interface DashboardsArgs {
  /** Names every resource: dashboards carry env and region code (they are global), alarms and the topic env. */
  naming: Naming;
  /** ARN of the platform KMS key; encrypts the alarm topic. */
  kmsKeyArn: pulumi.Input<string>;
  /**
   * E-mail address subscribed to the alarm topic (the recipient must confirm the subscription).
   * @default `undefined` (no subscription; subscribe another endpoint to the topic output)
   */
  alarmEmail?: string;
  /** End-to-end SLA in seconds (S3 upload to Salesforce case): the red line on latency graphs and the iterator-age alarm threshold. */
  slaSeconds: number;
  /** Human name of the KYC domain, shown in titles, e.g. `KYC`. */
  domain: string;
  /** What the token manager exposes as `facts`. */
  tokenManager: TokenManagerFacts;
  /** One entry per event pipeline (its `facts`). */
  pipelines: PipelineFacts[];
  /** What the audit store exposes as `facts`. */
  audit: AuditFacts;
  /** One entry per Glue publisher (its `facts`). @example `[]` when no Glue job is configured */
  glueJobs: GlueJobFacts[];
  /** Resources managed elsewhere that the technical dashboard still shows (stack config `external`). */
  external: ExternalResources;
}

/**
 * Dashboards, alarms and the alarm topic for one stack.
 *
 * @example
 * const dashboards = new Dashboards("dashboards", {
 *   naming, kmsKeyArn: key.arn, alarmEmail: config.alarmEmail, slaSeconds: config.slaSeconds, domain: config.domain,
 *   tokenManager: tokenManager.facts, pipelines: pipelines.map((p) => p.facts), audit: audit.facts,
 *   glueJobs: glueJobs.map((g) => g.facts), external: config.external,
 * });
 */
export class Dashboards extends pulumi.ComponentResource {
  /** `<prefix>-functional-<env>-<region code>` */
  public readonly functionalDashboardName: string;
  /** `<prefix>-technical-<env>-<region code>` */
  public readonly technicalDashboardName: string;
  public readonly topicArn: pulumi.Output<string>;
  public readonly alarmNames: string[];
  public readonly alarms: aws.cloudwatch.MetricAlarm[];
  /** The functional dashboard body (JSON), for review. */
  public readonly functionalBody: pulumi.Output<string>;
  /** The technical dashboard body (JSON, with the alarm ARNs), for review. */
  public readonly technicalBody: pulumi.Output<string>;

  constructor(name: string, args: DashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kyc:platform:Dashboards", name, {}, opts);
    validateArgs(args);
    const ctx: SegmentContext = { naming: args.naming, slaSeconds: args.slaSeconds, domain: args.domain };
    const monitoring = platformMonitoring(args, ctx);

    const topic = this.createTopic(name, args);
    this.createEmailSubscription(name, topic, args.alarmEmail);
    const created = createAlarms(`${name}-alarm`, monitoring.alarms, {
      naming: args.naming,
      topicArn: topic.arn,
      parent: this,
    });

    this.functionalDashboardName = args.naming.physicalName("dashboard", "functional");
    this.technicalDashboardName = args.naming.physicalName("dashboard", "technical");
    this.functionalBody = pulumi.output(JSON.stringify(dashboardBody(monitoring.functional)));
    this.technicalBody = this.technicalBodyWithAlarms(monitoring, created, args.domain);
    this.createDashboard(`${name}-functional`, this.functionalDashboardName, this.functionalBody);
    this.createDashboard(`${name}-technical`, this.technicalDashboardName, this.technicalBody);

    this.topicArn = topic.arn;
    this.alarms = created.map((c) => c.alarm);
    this.alarmNames = created.map((c) => c.name);
    this.registerOutputs({
      functionalDashboardName: this.functionalDashboardName,
      technicalDashboardName: this.technicalDashboardName,
      topicArn: this.topicArn,
      alarmNames: this.alarmNames,
      functionalBody: this.functionalBody,
      technicalBody: this.technicalBody,
    });
  }

  /** KMS-encrypted topic; its policy lets only this account's CloudWatch alarms publish, over TLS. */
  private createTopic(name: string, args: DashboardsArgs): aws.sns.Topic {
    const topic = new aws.sns.Topic(
      `${name}-topic`,
      {
        name: args.naming.physicalName("sns-topic", "alarms"),
        displayName: `${args.domain} platform alarms (${args.naming.env})`,
        kmsMasterKeyId: args.kmsKeyArn,
      },
      { parent: this },
    );
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    new aws.sns.TopicPolicy(
      `${name}-topic-policy`,
      {
        arn: topic.arn,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AccountManagesTopic",
              Effect: "Allow",
              Principal: {
                AWS: pulumi.interpolate`arn:${partition.partition}:iam::${identity.accountId}:root`,
              },
              Action: [
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:ListSubscriptionsByTopic",
                "sns:Publish",
              ],
              Resource: topic.arn,
            },
            {
              Sid: "CloudWatchAlarmsPublish",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: "sns:Publish",
              Resource: topic.arn,
              Condition: {
                StringEquals: { "aws:SourceAccount": identity.accountId },
                ArnLike: {
                  "aws:SourceArn": pulumi.interpolate`arn:${partition.partition}:cloudwatch:${args.naming.region}:${identity.accountId}:alarm:*`,
                },
              },
            },
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: ["sns:Publish", "sns:Subscribe"],
              Resource: topic.arn,
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      },
      { parent: this },
    );
    return topic;
  }

  private createEmailSubscription(name: string, topic: aws.sns.Topic, alarmEmail: string | undefined): void {
    if (alarmEmail === undefined) return;
    new aws.sns.TopicSubscription(
      `${name}-email`,
      { topic: topic.arn, protocol: "email", endpoint: alarmEmail },
      { parent: this },
    );
  }

  /** The alarm status widget needs the alarms' ARNs, known once they are created. */
  private technicalBodyWithAlarms(
    monitoring: Segment,
    created: CreatedAlarm[],
    domain: string,
  ): pulumi.Output<string> {
    return pulumi.all(created.map((c) => c.alarm.arn)).apply((arns) => {
      const sections =
        arns.length > 0 ? [alarmSection(arns, domain), ...monitoring.technical] : monitoring.technical;
      return JSON.stringify(dashboardBody(sections));
    });
  }

  private createDashboard(
    logicalName: string,
    dashboardName: string,
    body: pulumi.Output<string>,
  ): aws.cloudwatch.Dashboard {
    return new aws.cloudwatch.Dashboard(
      logicalName,
      { dashboardName, dashboardBody: body },
      { parent: this },
    );
  }
}

function validateArgs(args: DashboardsArgs): void {
  if (!Number.isInteger(args.slaSeconds) || args.slaSeconds <= 0)
    throw new Error(`\`slaSeconds\` must be a positive whole number of seconds, got ${args.slaSeconds}`);
  if (args.alarmEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(args.alarmEmail)) {
    throw new Error(
      `\`alarmEmail\` "${args.alarmEmail}" is not an e-mail address (leave it unset for no subscription)`,
    );
  }
  if (args.domain.trim() === "") throw new Error("`domain` must not be empty");
  const lifetime = args.tokenManager.lifetimeMinutes;
  if (!Number.isInteger(lifetime) || lifetime < 5 || lifetime > 1440) {
    throw new Error(
      `Token lifetime must be 5-1440 whole minutes for the "no successful refresh" alarm, got ${lifetime}`,
    );
  }
  const names = args.pipelines.map((p) => p.pipelineName);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new Error(`Pipeline "${duplicate}" is listed twice`);
}
