/**
 * A moto server of the calling test file's own that enforces IAM (`INITIAL_NO_AUTH_ACTION_COUNT=0`:
 * every request is authenticated by its SigV4 signature and authorised by the caller's IAM user
 * policies), plus the helpers to give a function's code an IAM user with exactly its role's policy.
 *
 * What moto 5.2.5 evaluates (moto/iam/access_control.py, moto/core/authorization.py): the Action
 * element (wildcards included) of every Allow/Deny statement; the Resource element only for S3
 * (bucket/key ARNs) and SQS (the queue's ARN) — every other service is checked against `*`; no
 * condition of an identity policy (StringEquals is read only for trust policies), so
 * `cloudwatch:namespace`, `dynamodb:LeadingKeys` and `kms:ViaService` are not evaluated; no KMS
 * use behind SSE (moto encrypts nothing with the key). See SECURITY.md.
 */
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Readable } from "node:stream";
import { EMULATOR_REGION, startEmulator, type Emulator } from "../../local/emulator.js";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface EnforcingEmulator extends Emulator {
  /** An IAM user allowed everything: provisions and seeds the resources the functions use. */
  admin: Credentials;
  clientConfig(credentials: Credentials): {
    endpoint: string;
    region: string;
    credentials: Credentials;
    forcePathStyle: true;
    maxAttempts: 1;
    requestHandler: ErrorBodyKeepingHandler;
  };
  /** An IAM user holding exactly these policy documents (inline), and its access key. */
  userWithPolicies(name: string, documents: string[]): Promise<Credentials>;
}

/** Header on an error response that holds its raw body (moto answers IAM refusals in XML, which JSON-protocol clients cannot parse). */
export const ERROR_BODY_HEADER = "x-test-error-body";

/** HTTP/1.1 (moto speaks no HTTP/2) and, on an error response, its body kept in `ERROR_BODY_HEADER`. */
export class ErrorBodyKeepingHandler extends NodeHttpHandler {
  override async handle(
    ...args: Parameters<NodeHttpHandler["handle"]>
  ): ReturnType<NodeHttpHandler["handle"]> {
    const { response } = await super.handle(...args);
    if (response.statusCode < 400 || !response.body) return { response };
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    const body = Buffer.concat(chunks);
    response.headers[ERROR_BODY_HEADER] = body.toString("utf8").replace(/\s+/g, " ").slice(0, 2000);
    response.body = Readable.from([body]);
    return { response };
  }
}

/** moto's reset-auth: the next `count` requests skip authentication, later ones are enforced. */
async function allowUnauthenticated(endpoint: string, count: number): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset-auth`, { method: "POST", body: String(count) });
  if (!response.ok) throw new Error(`moto reset-auth answered ${response.status}`);
}

export async function startEnforcingEmulator(): Promise<EnforcingEmulator> {
  const emulator = await startEmulator({ env: { INITIAL_NO_AUTH_ACTION_COUNT: "0" } });
  const clientConfig = (credentials: Credentials) => ({
    endpoint: emulator.endpoint,
    region: EMULATOR_REGION,
    credentials,
    forcePathStyle: true as const,
    maxAttempts: 1 as const,
    requestHandler: new ErrorBodyKeepingHandler(),
  });
  const everything = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
  });
  // The three requests that create the admin user are the only unauthenticated ones.
  await allowUnauthenticated(emulator.endpoint, 3);
  const bootstrap = new IAMClient(
    clientConfig({ accessKeyId: "bootstrap-admin", secretAccessKey: "bootstrap" }),
  );
  await bootstrap.send(new CreateUserCommand({ UserName: "test-admin" }));
  await bootstrap.send(
    new PutUserPolicyCommand({
      UserName: "test-admin",
      PolicyName: "everything",
      PolicyDocument: everything,
    }),
  );
  const key = (await bootstrap.send(new CreateAccessKeyCommand({ UserName: "test-admin" }))).AccessKey!;
  const admin = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  const iam = new IAMClient(clientConfig(admin));

  return {
    ...emulator,
    admin,
    clientConfig,
    async userWithPolicies(name, documents) {
      await iam.send(new CreateUserCommand({ UserName: name }));
      for (const [i, document] of documents.entries())
        await iam.send(
          new PutUserPolicyCommand({ UserName: name, PolicyName: `${name}-${i}`, PolicyDocument: document }),
        );
      const created = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
      return { accessKeyId: created.AccessKeyId!, secretAccessKey: created.SecretAccessKey! };
    },
  };
}

/** IAM's prefix for each SDK client the handlers use. */
const SERVICE_PREFIX: Record<string, string> = {
  DynamoDBClient: "dynamodb",
  SQSClient: "sqs",
  KinesisClient: "kinesis",
  S3Client: "s3",
  SecretsManagerClient: "secretsmanager",
  CloudWatchClient: "cloudwatch",
};

/**
 * IAM authorises these API operations under another action (AWS's Service Authorization Reference:
 * the batch calls need sqs:SendMessage / sqs:DeleteMessage / sqs:ChangeMessageVisibility; GetObject
 * of a version needs s3:GetObjectVersion).
 */
function iamActionOf(prefix: string, operation: string, input: Record<string, unknown>): string {
  if (prefix === "sqs" && operation.endsWith("Batch")) return `sqs:${operation.slice(0, -"Batch".length)}`;
  if (prefix === "s3" && operation === "GetObject" && input.VersionId !== undefined)
    return "s3:GetObjectVersion";
  return `${prefix}:${operation}`;
}

/** A client whose every successful call is recorded as the IAM action it needed. */
export function recordingActions<C extends { send: (...args: any[]) => Promise<any> }>(
  client: C,
  used: Set<string>,
): C {
  const prefix = SERVICE_PREFIX[client.constructor.name];
  if (!prefix) throw new Error(`no IAM prefix known for ${client.constructor.name}`);
  const send = client.send.bind(client);
  client.send = (async (
    command: { constructor: { name: string }; input: Record<string, unknown> },
    ...rest: unknown[]
  ) => {
    const result = await send(command, ...rest);
    used.add(iamActionOf(prefix, command.constructor.name.replace(/Command$/, ""), command.input ?? {}));
    return result;
  }) as C["send"];
  return client;
}

/** Services whose requests moto authorises against the resource's ARN; all others against `*`. */
const RESOURCE_JUDGED_BY_MOTO = new Set(["s3", "sqs"]);

/**
 * The program's document as moto can judge it, with two changes and no others:
 * 1. moto authorises a batch call under the API's own name (sqs:SendMessageBatch) where AWS uses the
 * single-message action (sqs:SendMessage): the batch name is added beside each single-message
 * action the role grants.
 * 2. moto checks a request to any service but S3 and SQS against the resource `*`, so a statement
 * naming an ARN would refuse every call there (an ARN does not match `*`): such statements get
 * `Resource: "*"`. Their actions stay exactly the program's; their resources are judged only by the
 * policy pack and the plan tests, not here.
 */
export function asMotoJudges(document: string): string {
  const doc = JSON.parse(document) as {
    Statement: Array<{ Action: string | string[]; Resource: string | string[] }>;
  };
  const batchOf: Record<string, string> = {
    "sqs:SendMessage": "sqs:SendMessageBatch",
    "sqs:DeleteMessage": "sqs:DeleteMessageBatch",
    "sqs:ChangeMessageVisibility": "sqs:ChangeMessageVisibilityBatch",
  };
  for (const statement of doc.Statement) {
    const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    const extra = actions.flatMap((a) => (batchOf[a] ? [batchOf[a]!] : []));
    if (extra.length > 0) statement.Action = [...actions, ...extra];
    if (actions.some((a) => !RESOURCE_JUDGED_BY_MOTO.has(a.split(":")[0]!))) statement.Resource = "*";
  }
  return JSON.stringify(doc);
}
