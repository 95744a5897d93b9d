/**
 * The TIAA token manager's part of the dashboards: refresh status for the business, failure details
 * from its logs for engineers, and the alarms that catch a failing or silent refresh before the
 * current token expires.
 */
import { alarmMetric, type AlarmDefinition } from "../alarms.js";
import type { TokenManagerFacts } from "../facts.js";
import { COLORS, PERIOD, logsInsights, singleValue, timeSeries } from "../widgets.js";
import {
  LATE_DATA_PERIOD_SECONDS,
  LATE_DATA_WINDOW,
  customMetric,
  insightsSum,
  queueNotEmptyAlarm,
  searchExpression,
  totalMetric,
  type Segment,
  type SegmentContext,
} from "./common.js";

/** The "no successful refresh" alarm looks at 5-minute periods, so it fires within 5 minutes of the lifetime. */
const SILENCE_PERIOD_SECONDS = 300;

export function tokenManagerSegment(f: TokenManagerFacts, ctx: SegmentContext): Segment {
  const { env, region } = ctx.naming;
  const succeeded = (render = {}) =>
    customMetric(f.metrics, "TokenRefreshSuccess", env, {
      id: "ok",
      label: "Successful refreshes",
      color: COLORS.success,
      ...render,
    });
  const failedByReason = searchExpression(f.metrics, "TokenRefreshFailure", env, "Sum");

  const functional = [
    {
      title: "TIAA token refresh",
      meaning:
        `Every case sent to Salesforce needs a valid TIAA access token. The token manager (${f.fn.functionName}) fetches a new one on a schedule ` +
        `and keeps it in Secrets Manager; a token is valid for ${f.lifetimeMinutes} minutes. Expect about one successful refresh per run and zero failures.`,
      whenRed:
        `a failed refresh leaves the previous token in place, so nothing breaks until it expires (${f.lifetimeMinutes} minutes after the last success). ` +
        `Call the platform on-call engineer; the technical dashboard's "Token refresh failure details" shows why (certificate, credentials, TIAA outage).`,
      widgets: [
        singleValue({
          title: "Token refreshes in the selected period",
          region,
          // The [Environment] total of TokenRefreshFailure: 0 on a good day (a SEARCH over Reason finds nothing then).
          metrics: [
            succeeded(),
            totalMetric(f.metrics, "TokenRefreshFailure", env, {
              id: "failed",
              label: "Failed refreshes",
              color: COLORS.failure,
            }),
          ],
          width: 8,
          height: 4,
        }),
        timeSeries({
          title: "Token refreshes per hour: successful vs failed (by reason)",
          region,
          period: PERIOD.hour,
          yAxisLabel: "refreshes",
          metrics: [
            succeeded(),
            totalMetric(f.metrics, "TokenRefreshFailure", env, {
              id: "failed",
              label: "Failed (all reasons)",
              color: COLORS.failure,
            }),
            { expression: failedByReason, id: "fr", label: "Failed:" },
          ],
          width: 16,
          height: 4,
        }),
      ],
    },
  ];

  const logGroups = [f.fn.logGroupName];
  const technical = [
    {
      title: "Token manager: failure details",
      meaning:
        `Why refreshes of the TIAA token failed, from the custom metric TokenRefreshFailure (by Reason) and from the token manager's own log group ` +
        `${f.fn.logGroupName} (structured JSON, level ERROR). Tokens and credentials are never logged.`,
      whenRed:
        "read the latest ERROR lines below: certificate problems need the certificate source fixed (ACM or the secret), 4xx from TIAA means the credential in CSM, 5xx/timeouts mean TIAA is down. A refresh can be re-run by invoking the function once it is fixed.",
      widgets: [
        timeSeries({
          title: "Token refresh failures by reason (per 5 minutes)",
          region,
          yAxisLabel: "failures",
          metrics: [
            {
              expression: searchExpression(f.metrics, "TokenRefreshFailure", env, "Sum", PERIOD.fiveMinutes),
              id: "fr",
              label: "",
              color: COLORS.failure,
            },
          ],
          width: 8,
        }),
        logsInsights({
          title: "Token refresh failures by reason (count, from the logs)",
          region,
          logGroupNames: logGroups,
          query:
            'filter level = "ERROR"\n| stats count(*) as failures by coalesce(reason, message) as failureReason\n| sort failures desc\n| limit 20',
          width: 8,
        }),
        logsInsights({
          title: "Token refresh failure details (latest 50 errors)",
          region,
          logGroupNames: logGroups,
          query:
            "fields @timestamp, coalesce(reason, message) as failureReason, message, requestId\n" +
            '| filter level = "ERROR" or @message like /Task timed out|Runtime\\.ExitError|Invoke Error/\n' +
            "| sort @timestamp desc\n| limit 50",
          width: 8,
        }),
      ],
    },
  ];

  return { functional, technical, alarms: tokenAlarms(f, ctx) };
}

function tokenAlarms(f: TokenManagerFacts, ctx: SegmentContext): AlarmDefinition[] {
  const { env } = ctx.naming;
  const silencePeriods = Math.ceil((f.lifetimeMinutes * 60) / SILENCE_PERIOD_SECONDS);
  const where = `Look at the technical dashboard section "Token manager: failure details" and the log group ${f.fn.logGroupName}.`;
  return [
    {
      nameSuffix: "token-refresh-failures",
      description:
        `TIAA token refresh failed (metric TokenRefreshFailure in ${f.metrics.namespace}, any reason). The previous token stays valid until it expires; ` +
        `after that Salesforce case creation fails. ${where}`,
      queries: [
        {
          id: "failures",
          label: "Token refresh failures",
          expression: insightsSum(f.metrics, "TokenRefreshFailure", env),
          period: 300,
          returnData: true,
        },
      ],
      threshold: 0,
      comparison: "GreaterThanThreshold",
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
    },
    {
      nameSuffix: "token-refresh-missing",
      description:
        `No successful TIAA token refresh for ${f.lifetimeMinutes} minutes (the token lifetime): the token in secret ${f.secretName} has expired or is about to, ` +
        `and case creation will get 401s. Check that schedule ${f.scheduleName} (group ${f.scheduleGroupName}) is enabled, its DLQ ${f.scheduleDlqName}, ` +
        `and the function ${f.fn.functionName}. ${where}`,
      metric: alarmMetric(customMetric(f.metrics, "TokenRefreshSuccess", env), "Sum", SILENCE_PERIOD_SECONDS),
      threshold: 1,
      comparison: "LessThanThreshold",
      evaluationPeriods: silencePeriods,
      // Silence is the failure here: no data point means no successful refresh.
      treatMissingData: "breaching",
    },
    {
      nameSuffix: "token-schedule-target-errors",
      description:
        `EventBridge Scheduler could not invoke the token manager (AWS/Scheduler TargetErrorCount, schedule group ${f.scheduleGroupName}, which holds ${f.scheduleName}). ` +
        `Check the scheduler role's lambda:InvokeFunction right and the function ${f.fn.functionName}; failed invocations land in ${f.scheduleDlqName}.`,
      metric: {
        namespace: "AWS/Scheduler",
        metricName: "TargetErrorCount",
        dimensions: { ScheduleGroup: f.scheduleGroupName },
        stat: "Sum",
        period: LATE_DATA_PERIOD_SECONDS,
      },
      threshold: 0,
      comparison: "GreaterThanThreshold",
      ...LATE_DATA_WINDOW,
      treatMissingData: "notBreaching",
    },
    queueNotEmptyAlarm(
      "token-failed-invocations-not-empty",
      f.failedInvocationQueueName,
      `refreshes of ${f.fn.functionName} that Lambda gave up on after its retries or the maximum event age (each message holds the request and the error)`,
      `Read a message for the error, fix it, then invoke the function once by hand to get a fresh token. ${where}`,
    ),
    queueNotEmptyAlarm(
      "token-schedule-dlq-not-empty",
      f.scheduleDlqName,
      `scheduled refreshes of ${f.fn.functionName} that EventBridge Scheduler dropped after all retries`,
      `Read a message to see the error and fix it. ${where}`,
    ),
  ];
}
