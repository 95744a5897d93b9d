/**
 * The machine-local stand-in for an AWS account and the two external systems: the moto server,
 * a throwaway CA, the TIAA stand-in (mutual TLS) and the Salesforce stand-in, then the stack's
 * resources created in the emulator from the program's own plan. Every server is registered with
 * `Cleanup` the moment it is listening.
 */
import { ACMClient } from "@aws-sdk/client-acm";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { S3Client } from "@aws-sdk/client-s3";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { randomBytes } from "node:crypto";
import { Naming } from "../components/naming.js";
import { configFromMap } from "../stacks/read-stack-config.js";
import { pulumiConfigForStack } from "../stacks/stack-files.js";
import { AwsGateway } from "./aws-gateway.js";
import type { Cleanup } from "./cleanup.js";
import { EMULATOR_REGION, emulatorClientConfig, startEmulator, type Emulator } from "./emulator.js";
import { createCertificateAuthority } from "./pki.js";
import { provisionStack, type ProvisionedStack } from "./provision.js";
import { startSalesforceStandIn, type SalesforceStandIn } from "./salesforce-stand-in.js";
import { startTiaaStandIn, type TiaaStandIn } from "./tiaa-stand-in.js";

export interface LocalClients {
  s3: S3Client;
  kinesis: KinesisClient;
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
  secretsManager: SecretsManagerClient;
  cloudwatch: CloudWatchClient;
  acm: ACMClient;
}

/** Services with a moto process of their own (see `startLocalEnvironment`); the rest share `main`. */
export const DEDICATED_SERVICES = ["dynamodb", "sqs"] as const;
export type EmulatorRole = "main" | (typeof DEDICATED_SERVICES)[number];

export interface LocalEnvironment {
  /** Emulator processes: `main` serves every service without a process of its own. */
  emulators: Record<EmulatorRole, Emulator>;
  /** The one AWS endpoint every client uses (see `aws-gateway.ts`). */
  gateway: AwsGateway;
  clients: LocalClients;
  tiaa: TiaaStandIn;
  salesforce: SalesforceStandIn;
  /** CA certificate (PEM) of the stand-ins' server certificates. */
  caCertificate: string;
  stack: ProvisionedStack;
  /** Config the local run set on top of the stack's files, as `pulumi config set` would. */
  overrides: Record<string, string>;
  /** How much faster than real time waiting times run (1: not at all). */
  timeScale: number;
}

export interface EnvironmentOptions {
  stack: string;
  /** Provisioned shards of every pipeline that creates cases (overrides the stack config). */
  shards?: number;
  /** Waiting times (token lifetime and the rest, see `time-scale.ts`) run this much faster. @default `1` */
  timeScale?: number;
  cleanup: Cleanup;
  log: (line: string) => void;
}

/** SDK clients of the local run itself, all through the gateway (which keeps moto safe under concurrency). */
export function gatewayClients(gatewayUrl: string): LocalClients {
  // A request the emulator never answers must fail (and be retried by the SDK), not hang the run.
  const requestHandler = () => new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 60_000 });
  const config = () => ({ ...emulatorClientConfig(gatewayUrl), requestHandler: requestHandler() });
  return {
    s3: new S3Client(config()),
    // Kinesis defaults to HTTP/2 (for SubscribeToShard only); the emulator speaks HTTP/1.1.
    kinesis: new KinesisClient(config()),
    sqs: new SQSClient(config()),
    dynamodb: new DynamoDBClient(config()),
    secretsManager: new SecretsManagerClient(config()),
    cloudwatch: new CloudWatchClient(config()),
    acm: new ACMClient(config()),
  };
}

export async function startLocalEnvironment(options: EnvironmentOptions): Promise<LocalEnvironment> {
  const { cleanup, log } = options;
  // The stack's own settings first: Salesforce object names and the naming prefix come from them.
  const base = configFromMap(options.stack, pulumiConfigForStack(options.stack));
  const naming = new Naming({ prefix: base.prefix, env: base.env, region: base.region });

  // moto serves one request at a time per process (Python's GIL), and some of its work grows with
  // the data held (SQS walks the whole queue per message). Each audit event costs two DynamoDB and
  // three SQS calls, the run's busiest traffic, so DynamoDB and SQS get a moto process each; the
  // other services share one. All speak the same AWS APIs; only the endpoints differ.
  const emulators = {} as Record<EmulatorRole, Emulator>;
  for (const role of ["main", ...DEDICATED_SERVICES] as const) {
    // One after the other: each is registered for cleanup the moment it is up.
    const emulator = await startEmulator({ log });
    cleanup.add(`AWS emulator (${role})`, () => emulator.stop());
    emulators[role] = emulator;
  }
  const timeScale = options.timeScale ?? 1;
  const credentials = {
    username: `${base.prefix}-${base.env}-tiaa-client`,
    password: randomBytes(24).toString("base64url"),
  };
  const csmName =
    base.tokenManager.credentials.source === "csm-lambda"
      ? base.tokenManager.credentials.lambdaName
      : undefined;
  const gateway = new AwsGateway({
    upstreams: {
      main: emulators.main.endpoint,
      sqs: emulators.sqs.endpoint,
      dynamodb: emulators.dynamodb.endpoint,
    },
    invokeStandIn: async (functionName, payload) => csmStandIn(credentials, csmName, functionName, payload),
  });
  await gateway.start();
  cleanup.add("local AWS gateway", () => gateway.stop());
  log(
    `AWS emulator listening on ${gateway.url} (the local gateway; moto listening on ${emulators.main.endpoint}, SQS on ${emulators.sqs.endpoint}, DynamoDB on ${emulators.dynamodb.endpoint})`,
  );
  const clients = gatewayClients(gateway.url);
  cleanup.add("AWS SDK clients", async () => {
    for (const c of Object.values(clients)) c.destroy();
  });

  const ca = createCertificateAuthority("KYC platform local-run CA");
  const tiaa = await startTiaaStandIn({
    ca,
    server: ca.issue({ commonName: "localhost", usage: "server" }),
    expectedUsername: credentials.username,
    expectedPassword: credentials.password,
    expectedGrantType: base.tokenManager.grantType,
    tokenLifetimeSeconds: (base.tokenManager.lifetimeMinutes * 60) / timeScale,
  });
  cleanup.add("TIAA stand-in", () => tiaa.stop());
  log(`TIAA stand-in (mutual TLS) listening on ${tiaa.url}`);
  const salesforce = await startSalesforceStandIn({
    tls: ca.issue({ commonName: "localhost", usage: "server" }),
    // Exactly the tokens TIAA issued and still valid: a token that never came through the secret, or
    // one whose lifetime is over (refreshes failing past the expiry), is refused with 401.
    acceptToken: (token) => tiaa.isCurrent(token),
    objectName: base.salesforce.objectName,
    externalIdField: base.salesforce.externalIdField,
  });
  cleanup.add("Salesforce stand-in", () => salesforce.stop());
  log(`Salesforce stand-in listening on ${salesforce.url}`);

  // Imported certificates cannot be exported from ACM (not in AWS, not in the emulator), so the
  // local run hands the token manager its client certificate through a secret instead.
  const client = ca.issue({ commonName: naming.physicalName("lambda", "token-manager"), usage: "client" });
  const certificateSecret = await clients.secretsManager.send(
    new CreateSecretCommand({
      Name: naming.physicalName("secret", "tiaa-client-certificate-local"),
      Description: "Throwaway mutual-TLS client certificate of the local run",
      SecretString: JSON.stringify({
        certificate: client.certificate,
        privateKey: client.privateKey,
        chain: ca.certificate,
      }),
    }),
  );

  const overrides: Record<string, string> = {
    tokenUrl: tiaa.url,
    salesforceInstanceUrl: salesforce.url,
    certificateSource: "secret",
    certificateSecretArn: certificateSecret.ARN!,
  };
  if (options.shards !== undefined) {
    const pipelines = base.pipelines.map((p) =>
      p.caseCreator && !p.onDemand ? { ...rawPipeline(p), shardCount: options.shards } : rawPipeline(p),
    );
    overrides.pipelines = JSON.stringify(pipelines);
  }
  const stack = await provisionStack({
    stack: options.stack,
    overrides,
    clients,
    emulator: { endpoint: emulators.main.endpoint, region: EMULATOR_REGION },
    log,
  });

  return {
    emulators,
    gateway,
    clients,
    tiaa,
    salesforce,
    caCertificate: ca.certificate,
    stack,
    overrides,
    timeScale,
  };
}

/** A pipeline back in the shape `Pulumi.yaml` declares (the typed config fills defaults in). */
function rawPipeline(p: ProvisionedStack["config"]["pipelines"][number]): Record<string, unknown> {
  const { shardCount, onDemand, ...rest } = p;
  return onDemand ? { ...rest, onDemand: true } : { ...rest, shardCount };
}

/**
 * The CSM tool's Lambda cannot run in the emulator: the gateway answers its Invoke with this — the
 * local TIAA credentials, in the `{username, password}` shape, whatever payload template the config
 * uses. Any other function is not there, as in an account without it.
 */
function csmStandIn(
  credentials: { username: string; password: string },
  csmName: string | undefined,
  functionName: string,
  payload: Buffer,
) {
  const name = functionName.split(":function:").pop()!.split(":")[0];
  if (csmName === undefined || name !== csmName.split(":function:").pop()) {
    return {
      statusCode: 404,
      body: Buffer.from(
        JSON.stringify({
          __type: "ResourceNotFoundException",
          Message: `Function not found: ${functionName}`,
        }),
      ),
    };
  }
  let known = false;
  try {
    const request: unknown = JSON.parse(payload.toString("utf8"));
    known = typeof request === "object" && request !== null;
  } catch {
    // a payload that is not JSON gets the CSM tool's error answer below
  }
  const body = known
    ? credentials
    : { errorType: "InvalidRequest", errorMessage: "payload is not a JSON object" };
  return {
    statusCode: 200,
    ...(known ? {} : { functionError: "Unhandled" }),
    body: Buffer.from(JSON.stringify(body)),
  };
}
