/**
 * The case creator's calls per 1,000 records, on the emulator, side by side in one run:
 *
 *   naive        the seed's way: one Salesforce call per record, the token secret read for every record
 *   window-0     the mapping as first deployed: batch 200, no batching window, one collection a call
 *   collections  batch 200 with the 5 s window: one 200-record sObject Collections call per batch
 *   deployed     the mapping the plan deploys now (batch 1,000, the window, parallelization) and the
 *                case creator as deployed: up to five collections in one Composite call
 *
 * Each variant streams the records through the producer's publisher (500 a PutRecords call, as the
 * producer sends them) while the local Kinesis event source (Lambda's semantics, one warm container
 * per shard lane) polls the stream, exactly as the local run does; the case creator's core runs
 * in-process against the Salesforce stand-in, the token secret in moto and moto's CloudWatch through
 * the off-Lambda metrics sink. Audit events go to a stub (they are the audit processor's cost, not
 * this bench's). In Lambda the metrics sink is EMF (log lines): 0 CloudWatch calls by construction.
 *
 *   npx tsx bench/case-creator.ts [records=10000] [--naive-records 1000] [--stack sit]
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import {
  CreateStreamCommand,
  KinesisClient,
  type PutRecordsCommand,
  type PutRecordsCommandOutput,
} from "@aws-sdk/client-kinesis";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { fileURLToPath } from "node:url";
import { createCases } from "../handlers/case-creator/create-cases.js";
import {
  MAX_COLLECTION_SIZE,
  MAX_RECORDS_PER_CALL,
  SalesforceClient,
} from "../handlers/case-creator/salesforce-client.js";
import { KinesisPublisher, type PutRecordsClient } from "../handlers/event-producer/kinesis-publisher.js";
import { validateRecord } from "../handlers/event-producer/record-validation.js";
import { Logger } from "../handlers/lib/logger.js";
import { Metrics, PutMetricDataSink } from "../handlers/lib/metrics.js";
import { SecretTokenClient } from "../handlers/lib/token-client.js";
import type { TokenProvider } from "../handlers/lib/token-provider.js";
import { emulatorClientConfig, startEmulator } from "../local/emulator.js";
import { KinesisEventSource } from "../local/event-sources/kinesis-source.js";
import { newSourceStats, sleep } from "../local/event-sources/source-stats.js";
import { createCertificateAuthority } from "../local/pki.js";
import type { KinesisSourceSettings } from "../local/provision.js";
import { startSalesforceStandIn } from "../local/salesforce-stand-in.js";
import { stackModelOf, type KinesisMappingModel } from "../ops/capacity/stack-model.js";
import { describeMachine, machine, round, writeResults } from "./bench-results.js";

export interface CaseCreatorVariantResult {
  variant: string;
  records: number;
  invocations: number;
  containers: number;
  salesforceCalls: number;
  salesforceCallsPer1000: number;
  secretReads: number;
  tokenReadsPer1000PerContainer: number;
  cloudWatchCallsPerInvocation: number;
  meanBatch: number;
  seconds: number;
}

export interface CaseCreatorBenchOptions {
  records: number;
  naiveRecords: number;
  stack: string;
  log?: (line: string) => void;
}

const TOKEN = "bench-token";

export async function runCaseCreatorBench(options: CaseCreatorBenchOptions) {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const model = await stackModelOf(options.stack);
  const pipeline = model.pipelines.find((p) => p.caseCreator && p.shards !== undefined);
  if (!pipeline?.caseCreator || pipeline.shards === undefined)
    throw new Error(`stack ${options.stack} has no case-creating pipeline with provisioned shards`);
  const deployed = pipeline.caseCreator.mapping;
  const emulator = await startEmulator();
  const ca = createCertificateAuthority();
  const sf = await startSalesforceStandIn({
    tls: ca.issue({ commonName: "localhost", usage: "server" }),
    acceptToken: TOKEN,
  });
  try {
    const config = emulatorClientConfig(emulator.endpoint);
    const secrets = new SecretsManagerClient(config);
    const secretId = `bench-token-${process.pid}`;
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    await secrets.send(
      new CreateSecretCommand({
        Name: secretId,
        SecretString: JSON.stringify({
          access_token: TOKEN,
          token_type: "Bearer",
          expires_at: expiresAt,
          fetched_at: new Date().toISOString(),
        }),
      }),
    );
    const env = { config, secrets, secretId, sf, ca, shards: pipeline.shards, log };
    const results: CaseCreatorVariantResult[] = [];
    results.push(
      await runVariant(
        env,
        "naive",
        options.naiveRecords,
        { ...deployed, batchingWindowSeconds: 0 },
        { chunkSize: 1, cacheToken: false },
      ),
    );
    const collections = { chunkSize: MAX_COLLECTION_SIZE, cacheToken: true };
    results.push(
      await runVariant(
        env,
        "window-0",
        options.records,
        { ...deployed, batchSize: MAX_COLLECTION_SIZE, batchingWindowSeconds: 0 },
        collections,
      ),
    );
    results.push(
      await runVariant(
        env,
        "collections",
        options.records,
        { ...deployed, batchSize: MAX_COLLECTION_SIZE },
        collections,
      ),
    );
    results.push(
      await runVariant(env, "deployed", options.records, deployed, {
        chunkSize: MAX_RECORDS_PER_CALL,
        cacheToken: true,
      }),
    );
    return {
      stack: options.stack,
      shards: pipeline.shards,
      mapping: deployed,
      results,
      lowerBoundPer1000: 1000 / Math.min(deployed.batchSize, MAX_RECORDS_PER_CALL),
    };
  } finally {
    await sf.stop();
    await emulator.stop();
  }
}

interface VariantEnv {
  config: ReturnType<typeof emulatorClientConfig>;
  secrets: SecretsManagerClient;
  secretId: string;
  sf: Awaited<ReturnType<typeof startSalesforceStandIn>>;
  ca: ReturnType<typeof createCertificateAuthority>;
  shards: number;
  log: (line: string) => void;
}

async function runVariant(
  env: VariantEnv,
  variant: string,
  records: number,
  mapping: KinesisMappingModel,
  handling: { chunkSize: number; cacheToken: boolean },
): Promise<CaseCreatorVariantResult> {
  env.log(
    `case-creator bench: ${variant}, ${records} records, ${env.shards} shards × parallelization ${mapping.parallelizationFactor}, batch ${mapping.batchSize}, window ${mapping.batchingWindowSeconds} s`,
  );
  const kinesis = new KinesisClient({ ...env.config, requestHandler: new NodeHttpHandler() });
  const streamName = `bench-cc-${variant}-${process.pid}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: env.shards }));
  const callsBefore = env.sf.calls.length;
  let secretReads = 0;
  let cloudWatchCalls = 0;
  let processed = 0;
  let containers = 0;
  const countingSecrets = {
    send: (command: Parameters<SecretsManagerClient["send"]>[0]) => {
      secretReads += 1;
      return env.secrets.send(command);
    },
  } as Pick<SecretsManagerClient, "send">;
  const cloudwatch = new CloudWatchClient(env.config);
  const countingCloudWatch = {
    send: (command: Parameters<CloudWatchClient["send"]>[0]) => {
      cloudWatchCalls += 1;
      return cloudwatch.send(command);
    },
  } as unknown as CloudWatchClient;
  const logger = new Logger({ service: "bench", level: "ERROR" });
  const settings: KinesisSourceSettings = {
    functionName: "bench-case-creator",
    streamName,
    streamArn: `arn:aws:kinesis:eu-west-1:123456789012:stream/${streamName}`,
    batchSize: mapping.batchSize,
    parallelizationFactor: mapping.parallelizationFactor,
    maximumBatchingWindowInSeconds: mapping.batchingWindowSeconds,
    maximumRetryAttempts: mapping.maximumRetryAttempts,
    maximumRecordAgeInSeconds: -1,
    bisectBatchOnFunctionError: true,
    reportBatchItemFailures: true,
    startingPosition: "TRIM_HORIZON",
  };
  const stats = newSourceStats();
  const source = new KinesisEventSource({
    settings,
    kinesis,
    sqs: new SQSClient(env.config),
    region: "eu-west-1",
    stats,
    pollIntervalMs: 200,
    newContainer: () => {
      // One warm container: its clients and token cache live as long as it does (module scope in Lambda).
      containers += 1;
      const cached = new SecretTokenClient({ secretsManager: countingSecrets, secretId: env.secretId });
      const tokenProvider: TokenProvider = handling.cacheToken
        ? cached
        : {
            getToken: () =>
              new SecretTokenClient({ secretsManager: countingSecrets, secretId: env.secretId }).getToken(),
            refreshAfterUnauthorized: () => cached.refreshAfterUnauthorized(),
          };
      const salesforce = new SalesforceClient({
        instanceUrl: env.sf.url,
        apiVersion: "v60.0",
        objectName: "Case",
        externalIdField: "KYC_Transaction_Id__c",
        extraCertificateAuthorities: [env.ca.certificate],
      });
      const sink = new PutMetricDataSink(countingCloudWatch);
      return async (event) => {
        const response = await createCases(
          {
            salesforce,
            tokenProvider,
            audit: {
              send: async (events) => ({
                sent: events.length,
                failed: [],
                calls: Math.ceil(events.length / 10),
              }),
            },
            metrics: new Metrics({
              component: "case-creator",
              namespace: "bench/case-creator",
              environment: "bench",
              sink,
            }),
            logger,
            now: () => new Date(),
            config: {
              component: "cta-case-creator",
              mapping: { objectName: "Case", externalIdField: "KYC_Transaction_Id__c" },
              giveUpAfterSeconds: 3300,
              chunkSize: handling.chunkSize,
            },
          },
          event,
        );
        processed += event.Records.length - response.batchItemFailures.length;
        return response;
      };
    },
  });
  const started = performance.now();
  await source.start();
  await publish(kinesis, streamName, records);
  while (!(processed >= records && source.idle())) await sleep(100);
  const seconds = (performance.now() - started) / 1000;
  await source.stop();
  const salesforceCalls = env.sf.calls.length - callsBefore;
  return {
    variant,
    records,
    invocations: stats.invocations,
    containers,
    salesforceCalls,
    salesforceCallsPer1000: round((salesforceCalls / records) * 1000, 2),
    secretReads,
    tokenReadsPer1000PerContainer: round(((secretReads / containers) * 1000) / records, 2),
    cloudWatchCallsPerInvocation: round(cloudWatchCalls / stats.invocations, 2),
    meanBatch: round(records / stats.invocations, 1),
    seconds: round(seconds, 1),
  };
}

/** As the producer publishes: 500 entries a PutRecords call, key = prefix + transaction id (moto needs the calls one at a time). */
async function publish(kinesis: KinesisClient, streamName: string, records: number): Promise<void> {
  let queue: Promise<unknown> = Promise.resolve();
  const serialized: PutRecordsClient = {
    send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
      const turn = queue.then(() => kinesis.send(command));
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
  const publisher = new KinesisPublisher({ kinesis: serialized, streamName });
  const now = new Date();
  for (let i = 0; i < records; i++) {
    const text = JSON.stringify({
      transactionId: `TXN-${String(i).padStart(7, "0")}`,
      customerId: `C${100_000 + i}`,
      eventType: "KYC_REVIEW",
      riskRating: "LOW",
      payload: { name: `Customer ${i}`, country: "GB" },
    });
    const v = validateRecord(text, {
      partitionKeyPrefix: "bbkyc-cta-",
      sourceObject: "s3://bench/file",
      now,
    });
    if (!v.ok) throw new Error(`bench record ${i} invalid: ${v.reason}`);
    await publisher.add({ transactionId: v.transactionId, partitionKey: v.partitionKey, data: v.data });
  }
  await publisher.close();
}

export function printCaseCreatorTable(result: Awaited<ReturnType<typeof runCaseCreatorBench>>): void {
  console.table(result.results);
  const per1000 = Object.fromEntries(result.results.map((r) => [r.variant, r.salesforceCallsPer1000]));
  const now = per1000.deployed!;
  console.log(
    `Salesforce calls / 1,000 records: naive ${per1000.naive}, window 0 ${per1000["window-0"]}, collections ${per1000.collections}, deployed ${now} ` +
      `(${round(per1000.collections! / now, 2)}× fewer than one collection a call, ${round(per1000["window-0"]! / now, 2)}× fewer than window 0, ${round(per1000.naive! / now, 0)}× fewer than naive; lower bound with the deployed batch: ${result.lowerBoundPer1000})`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const option = (name: string, fallback: string) =>
    argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback;
  const records = Number(argv.find((a, i) => /^\d+$/.test(a) && !argv[i - 1]?.startsWith("--")) ?? 10_000);
  const startedAt = new Date();
  const m = machine();
  console.log(describeMachine(m));
  const result = await runCaseCreatorBench({
    records,
    naiveRecords: Number(option("--naive-records", "1000")),
    stack: option("--stack", "sit"),
  });
  printCaseCreatorTable(result);
  console.log(`results: ${writeResults("case-creator", result, startedAt, m)}`);
}
