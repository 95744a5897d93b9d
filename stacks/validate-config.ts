/**
 * Turns one stack's raw configuration into a `PlatformConfig`, or throws a `ConfigError` that lists
 * every invalid or missing key with its fix. Runs before any resource is declared.
 */
import { PIPELINE_LIMITS } from "../components/event-pipeline-config.js";
import { ENVIRONMENTS, Naming, NamingError } from "../components/naming.js";
import { ConfigError, ConfigReader, ObjectReader, isPlainObject, type RawValues } from "./config-reader.js";
import { readNetworkConfig } from "./network-config-schema.js";
import type {
  CertificateSource,
  CredentialSource,
  ExternalResources,
  GlueJobConfig,
  PipelineConfig,
  PlatformConfig,
  TokenManagerConfig,
} from "./config-types.js";

export const PROJECT_NAME = "kyc-platform";

/** Retention values CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
const SHORT_NAME = /^[a-z][a-z0-9-]{0,19}$/;
const SHORT_NAME_HELP = "use 1-20 lower-case letters, digits or '-', starting with a letter";

export interface RawStackConfig {
  stack: string;
  /** `aws:region` */
  region: string | undefined;
  /** Project keys without their namespace, defaults from Pulumi.yaml already applied. */
  values: RawValues;
}

export function validateConfig(raw: RawStackConfig): PlatformConfig {
  const reader = new ConfigReader(raw.values, PROJECT_NAME);

  const region = readRegion(reader, raw.region, raw.stack);
  const env = reader.oneOf(
    "env",
    ENVIRONMENTS,
    `Set it with \`pulumi config set --stack ${raw.stack} env <${ENVIRONMENTS.join("|")}>\`.`,
  );
  const prefix = reader.requiredString(
    "prefix",
    "Set a short naming prefix, e.g. `pulumi config set prefix bbkyc`.",
  );
  if (prefix !== "" && !/^[a-z][a-z0-9-]{1,11}$/.test(prefix)) {
    reader.problem(
      `${reader.key("prefix")} is "${prefix}"; use 2-12 lower-case letters, digits or '-', starting with a letter.`,
    );
  }
  const logRetentionDays = reader.integer("logRetentionDays", 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    reader.problem(
      `${reader.key("logRetentionDays")} is ${logRetentionDays}; CloudWatch accepts ${LOG_RETENTION_DAYS.join(", ")}.`,
    );
  }

  const config: PlatformConfig = {
    stack: raw.stack,
    env,
    prefix,
    domain: reader.requiredString("domain", "Set the domain's display name, e.g. KYC."),
    region,
    logRetentionDays,
    tokenManager: readTokenManager(reader, raw.stack, env, prefix),
    pipelines: readPipelines(reader),
    salesforce: {
      instanceUrl: reader.httpsUrl(
        "salesforceInstanceUrl",
        `Set it with \`pulumi config set --stack ${raw.stack} salesforceInstanceUrl https://<instance>.my.salesforce.com\`.`,
      ),
      apiVersion: readApiVersion(reader),
      objectName: reader.requiredString("salesforceObject", "Set the sObject to upsert, e.g. Case."),
      externalIdField: reader.requiredString(
        "salesforceExternalIdField",
        "Set the external-id field, e.g. KYC_Transaction_Id__c.",
      ),
    },
    audit: {
      retentionDays: reader.integer("auditRetentionDays", 1, 36500),
      maxReceives: reader.integer("auditMaxReceives", 1, 1000),
    },
    alarmEmail: readEmail(reader),
    slaSeconds: reader.integer("slaSeconds", 1, 86400),
    glueJobs: [],
    external: readExternal(reader),
    network: readNetworkConfig(reader.structured("network"), region, reader.key("network"), (m) =>
      reader.problem(m),
    ),
  };
  config.glueJobs = readGlueJobs(reader, config.pipelines, env);

  if (reader.problems.length === 0) checkNames(reader, config);
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return config;
}

function readRegion(reader: ConfigReader, region: string | undefined, stack: string): string {
  if (!region) {
    reader.problem(
      `aws:region is missing. Set it with \`pulumi config set --stack ${stack} aws:region eu-west-1\`.`,
    );
    return "";
  }
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) {
    reader.problem(`aws:region is "${region}", which is not an AWS region name (e.g. eu-west-1).`);
  }
  return region;
}

function readApiVersion(reader: ConfigReader): string {
  const version = reader.requiredString("salesforceApiVersion", "Set it, e.g. v60.0.");
  if (version !== "" && !/^v\d{2,3}\.0$/.test(version)) {
    reader.problem(
      `${reader.key("salesforceApiVersion")} is "${version}"; write it as Salesforce does, e.g. v60.0.`,
    );
  }
  return version;
}

function readEmail(reader: ConfigReader): string | undefined {
  const email = reader.optionalString("alarmEmail");
  if (email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    reader.problem(`${reader.key("alarmEmail")} is "${email}", which is not an e-mail address.`);
  }
  return email;
}

function readTokenManager(
  reader: ConfigReader,
  stack: string,
  env: string,
  prefix: string,
): TokenManagerConfig {
  const tokenUrlFix =
    env === "prod"
      ? `The production TIAA URL is never kept in code; set it with: pulumi config set --stack ${stack} tokenUrl https://<production TIAA auth URL>`
      : `Set it with: pulumi config set --stack ${stack} tokenUrl https://<TIAA auth URL>`;
  const schedule = reader.requiredString("tokenSchedule", "Set it, e.g. rate(55 minutes).");
  if (schedule !== "" && !/^(rate\(\d+ (minute|minutes|hour|hours)\)|cron\(.+\))$/.test(schedule)) {
    reader.problem(
      `${reader.key("tokenSchedule")} is "${schedule}"; use rate(55 minutes) or a cron(...) expression.`,
    );
  }
  const lifetimeMinutes = reader.integer("tokenLifetimeMinutes", 5, 1440);
  const everyMinutes = scheduleMinutes(schedule);
  if (everyMinutes !== undefined && everyMinutes >= lifetimeMinutes) {
    reader.problem(
      `${reader.key("tokenSchedule")} refreshes every ${everyMinutes} minutes but tokens live ${lifetimeMinutes} minutes ` +
        `(${reader.key("tokenLifetimeMinutes")}); refresh more often than tokens expire.`,
    );
  }
  const authRoleArn = reader.optionalString("tokenAuthRoleArn");
  if (authRoleArn !== undefined && !/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/.test(authRoleArn)) {
    reader.problem(`${reader.key("tokenAuthRoleArn")} is "${authRoleArn}", which is not an IAM role ARN.`);
  }
  const secretsManagerEndpoint = reader.has("secretsManagerEndpoint")
    ? reader.httpsUrl("secretsManagerEndpoint", "Use the https URL of the endpoint, or leave it empty.")
    : undefined;
  return {
    schedule,
    tokenUrl: reader.httpsUrl("tokenUrl", tokenUrlFix),
    secretName: reader.optionalString("tokenSecretName") ?? `${prefix}-tiaa-token-${env}`,
    lifetimeMinutes,
    grantType: reader.requiredString("tokenGrantType", "Set the OAuth grant type, e.g. password."),
    connectTimeoutMs: reader.integer("tokenConnectTimeoutMs", 100, 60_000),
    requestTimeoutMs: reader.integer("tokenRequestTimeoutMs", 500, 120_000),
    retries: reader.integer("tokenRetries", 0, 5),
    authRoleArn,
    secretsManagerEndpoint,
    credentials: readCredentials(reader),
    certificate: readCertificate(reader),
    reservedConcurrency: readTokenReservedConcurrency(reader),
  };
}

/** Opt-in (issue #10): 0 reserves nothing, the only setting every account accepts. */
function readTokenReservedConcurrency(reader: ConfigReader): number | undefined {
  const reserved = reader.integer("tokenReservedConcurrency", 0, 1000);
  return reserved > 0 ? reserved : undefined;
}

/** Minutes between runs of a `rate(...)` schedule; cron schedules are not checked. */
function scheduleMinutes(schedule: string): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(schedule);
  if (!match) return undefined;
  return Number(match[1]) * (match[2]!.startsWith("hour") ? 60 : 1);
}

function readCredentials(reader: ConfigReader): CredentialSource {
  const source = reader.oneOf("credentialSource", ["csm-lambda", "secret"] as const);
  if (source === "secret") {
    return { source, secretArn: readSecretArn(reader, "credentialSecretArn", "credentialSource is secret") };
  }
  const need = "credentialSource is csm-lambda";
  const payloadTemplate = reader.requiredString(
    "csmPayloadTemplate",
    "Set the JSON payload sent to the CSM Lambda.",
  );
  try {
    JSON.parse(payloadTemplate.replaceAll("{safe}", "s").replaceAll("{object}", "o"));
  } catch {
    reader.problem(
      `${reader.key("csmPayloadTemplate")} is not valid JSON once {safe} and {object} are filled in.`,
    );
  }
  return {
    source: "csm-lambda",
    lambdaName: reader.requiredString(
      "csmLambdaName",
      `It is required when ${need}: the CSM tool's Lambda name or ARN.`,
    ),
    safe: reader.requiredString(
      "csmSafe",
      `It is required when ${need}: the safe that holds the TIAA credential.`,
    ),
    object: reader.requiredString(
      "csmObject",
      `It is required when ${need}: the object (account) in the safe.`,
    ),
    payloadTemplate,
    responseFields: {
      username: readPathList(reader, "csmUsernameField"),
      password: readPathList(reader, "csmPasswordField"),
    },
  };
}

/** Comma-separated dot paths, e.g. `data.userName,UserName`; undefined when empty. */
function readPathList(reader: ConfigReader, key: string): string[] | undefined {
  const value = reader.optionalString(key);
  if (value === undefined) return undefined;
  const paths = value.split(",").map((p) => p.trim());
  if (paths.some((p) => !/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(p))) {
    reader.problem(
      `${reader.key(key)} is "${value}"; write dot paths separated by commas, e.g. data.account.userName,UserName.`,
    );
  }
  return paths;
}

function readCertificate(reader: ConfigReader): CertificateSource {
  const source = reader.oneOf("certificateSource", ["acm", "secret", "file"] as const);
  switch (source) {
    case "acm": {
      const certificateArn = reader.requiredString(
        "certificateArn",
        "It is required when certificateSource is acm.",
      );
      if (
        certificateArn !== "" &&
        !/^arn:aws[\w-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(certificateArn)
      ) {
        reader.problem(
          `${reader.key("certificateArn")} is "${certificateArn}", which is not an ACM certificate ARN.`,
        );
      }
      return { source, certificateArn };
    }
    case "secret":
      return {
        source,
        secretArn: readSecretArn(reader, "certificateSecretArn", "certificateSource is secret"),
      };
    case "file":
      return {
        source,
        path: reader.requiredString("certificatePath", "It is required when certificateSource is file."),
      };
    default:
      return { source: "acm", certificateArn: "" };
  }
}

function readSecretArn(reader: ConfigReader, key: string, when: string): string {
  const arn = reader.requiredString(key, `It is required when ${when}.`);
  if (arn !== "" && !/^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(arn)) {
    reader.problem(`${reader.key(key)} is "${arn}", which is not a Secrets Manager secret ARN.`);
  }
  return arn;
}

function readPipelines(reader: ConfigReader): PipelineConfig[] {
  const list = reader.structured("pipelines");
  if (!Array.isArray(list) || list.length === 0) {
    reader.problem(
      `${reader.key("pipelines")} must be a non-empty list of pipelines (see Pulumi.yaml for the shape).`,
    );
    return [];
  }
  const pipelines = list.map((item, index) => readPipeline(reader, item, index));
  reportDuplicates(
    reader,
    "pipelines",
    pipelines.map((p) => p.name),
  );
  return pipelines;
}

function readPipeline(reader: ConfigReader, item: unknown, index: number): PipelineConfig {
  const where = `${reader.key("pipelines")}[${index}]`;
  if (!isPlainObject(item)) {
    reader.problem(`${where} must be a map with name, label, source and shardCount or onDemand.`);
    item = {};
  }
  const fields = new ObjectReader(reader, where, item as Record<string, unknown>);
  const onDemand = fields.boolean("onDemand", false);
  if (onDemand === fields.has("shardCount")) {
    reader.problem(`${where} must set exactly one of shardCount (provisioned) or onDemand: true.`);
  }
  const source = fields.string("source", /^(s3|glue)$/, "it must be s3 or glue");
  const limited = (key: Exclude<keyof typeof PIPELINE_LIMITS, "shardCount">) =>
    fields.integer(key, PIPELINE_LIMITS[key].min, PIPELINE_LIMITS[key].max, PIPELINE_LIMITS[key].default);
  return {
    name: fields.string("name", SHORT_NAME, SHORT_NAME_HELP),
    label: fields.string("label"),
    shardCount: onDemand
      ? undefined
      : fields.integer("shardCount", PIPELINE_LIMITS.shardCount.min, PIPELINE_LIMITS.shardCount.max, 1),
    onDemand,
    source: source as PipelineConfig["source"],
    caseCreator: fields.boolean("caseCreator", false),
    batchSize: limited("batchSize"),
    parallelizationFactor: limited("parallelizationFactor"),
    maximumRetryAttempts: limited("maximumRetryAttempts"),
    maximumRecordAgeSeconds: limited("maximumRecordAgeSeconds"),
    retentionHours: limited("retentionHours"),
    ...readCrossAccountPrincipals(reader, fields, where, source),
  };
}

/** Principal ARNs a key policy, bucket policy and stream policy all accept (no wildcards, no services). */
const PRINCIPAL_ARN = /^arn:aws[\w-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+)$/;

/** Issue #10, finding 3: who in other accounts may read a pipeline's stream or upload to its bucket. */
function readCrossAccountPrincipals(
  reader: ConfigReader,
  fields: ObjectReader,
  where: string,
  source: string,
): Pick<PipelineConfig, "readerPrincipals" | "uploaderPrincipals"> {
  const readerPrincipals = fields.stringList("readerPrincipals");
  const uploaderPrincipals = fields.stringList("uploaderPrincipals");
  for (const [field, list] of [
    ["readerPrincipals", readerPrincipals],
    ["uploaderPrincipals", uploaderPrincipals],
  ] as const) {
    for (const arn of list) {
      if (!PRINCIPAL_ARN.test(arn))
        reader.problem(
          `${where}.${field} has "${arn}"; use an IAM role, user or account-root ARN, e.g. arn:aws:iam::111122223333:role/tms-consumer.`,
        );
    }
  }
  if (uploaderPrincipals.length > 0 && source !== "s3")
    reader.problem(
      `${where}.uploaderPrincipals is set, but only pipelines with source s3 have an input bucket.`,
    );
  return { readerPrincipals, uploaderPrincipals };
}

function readGlueJobs(reader: ConfigReader, pipelines: PipelineConfig[], env: string): GlueJobConfig[] {
  const list = reader.structured("glueJobs") ?? [];
  if (!Array.isArray(list)) {
    reader.problem(`${reader.key("glueJobs")} must be a list (use [] for none).`);
    return [];
  }
  const jobs = list.map((item, index): GlueJobConfig => {
    const where = `${reader.key("glueJobs")}[${index}]`;
    const fields = new ObjectReader(reader, where, isPlainObject(item) ? item : {});
    const job: GlueJobConfig = {
      name: fields.string("name", SHORT_NAME, SHORT_NAME_HELP),
      pipeline: fields.string("pipeline"),
      icebergTable: fields.string(
        "icebergTable",
        /^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/,
        "write it as database.table",
      ),
      schedule: fields.string("schedule", /^(rate|cron)\(.+\)$/, "use a rate(...) or cron(...) expression"),
      ...readGluePublishing(reader, where, isPlainObject(item) ? item : {}, env),
    };
    if (job.pipeline !== "" && !pipelines.some((p) => p.name === job.pipeline)) {
      reader.problem(
        `${where}.pipeline is "${job.pipeline}", but no pipeline has that name (have: ${pipelines.map((p) => p.name).join(", ")}).`,
      );
    }
    return job;
  });
  reportDuplicates(
    reader,
    "glueJobs",
    jobs.map((j) => j.name),
  );
  return jobs;
}

// --- Glue publishers: how the job reads its table and where it starts ------------------------

const GLUE_TABLE_ACCESS = ["s3", "lake-formation"] as const;
const GLUE_FIRST_RUN = ["all", "from-current"] as const;
/** `s3://bucket/prefix`: a bucket name S3 accepts (3-63 lower-case letters, digits, '.', '-'). */
const S3_LOCATION = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/;
/** A key ARN, not an alias: IAM matches `kms:Decrypt` against the key's ARN. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * The publishing fields of one `glueJobs` entry: `tableAccess` (`s3`, the default, or
 * `lake-formation`), `tableLocation` and `tableKmsKeyArn` (s3 only; `{env}` in the location becomes
 * the stack's env), `firstRun` (`all` or `from-current`) and `publishPartitions` (0: one per core).
 */
function readGluePublishing(
  reader: ConfigReader,
  where: string,
  item: Record<string, unknown>,
  env: string,
): Pick<GlueJobConfig, "tableAccess" | "firstRun" | "publishPartitions"> {
  const fields = new ObjectReader(reader, where, item);
  const choice = (field: string, allowed: readonly string[]): string => {
    const value = item[field] ?? allowed[0];
    if (typeof value !== "string" || !allowed.includes(value)) {
      reader.problem(`${where}.${field} is ${JSON.stringify(value)}; use ${allowed.join(" or ")}.`);
      return allowed[0]!;
    }
    return value;
  };
  const mode = choice("tableAccess", GLUE_TABLE_ACCESS);
  const firstRun = choice("firstRun", GLUE_FIRST_RUN) as GlueJobConfig["firstRun"];
  const publishPartitions = fields.integer("publishPartitions", 0, 1000, 0);
  if (mode === "lake-formation") {
    for (const field of ["tableLocation", "tableKmsKeyArn"]) {
      if (fields.has(field))
        reader.problem(
          `${where}.${field} is only for tableAccess s3 (Lake Formation vends the table's credentials); remove it.`,
        );
    }
    return { tableAccess: { mode: "lake-formation" }, firstRun, publishPartitions };
  }
  if (!fields.has("tableLocation")) {
    reader.problem(
      `${where}.tableLocation is missing: set the table's S3 location (e.g. s3://bbkyc-datalake-{env}/kyc_db/et_events), or tableAccess: lake-formation.`,
    );
    return { tableAccess: { mode: "s3", location: "" }, firstRun, publishPartitions };
  }
  const location = fields.string("tableLocation").replaceAll("{env}", env).replace(/\/+$/, "");
  if (!S3_LOCATION.test(location))
    reader.problem(`${where}.tableLocation is "${location}"; it must be an s3://bucket/prefix URI.`);
  const kmsKeyArn = fields.has("tableKmsKeyArn") ? fields.string("tableKmsKeyArn") : undefined;
  if (kmsKeyArn !== undefined && !KMS_KEY_ARN.test(kmsKeyArn)) {
    reader.problem(
      `${where}.tableKmsKeyArn is "${kmsKeyArn}"; use the key's ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias.`,
    );
  }
  return {
    tableAccess: { mode: "s3", location, ...(kmsKeyArn ? { kmsKeyArn } : {}) },
    firstRun,
    publishPartitions,
  };
}

function readExternal(reader: ConfigReader): ExternalResources {
  const value = reader.structured("external") ?? {};
  if (!isPlainObject(value)) {
    reader.problem(
      `${reader.key("external")} must be a map with lambdaFunctions, glueJobs, batchJobQueues and eventRules lists.`,
    );
    return { lambdaFunctions: [], glueJobs: [], batchJobQueues: [], eventRules: [] };
  }
  const fields = new ObjectReader(reader, reader.key("external"), value);
  return {
    lambdaFunctions: fields.stringList("lambdaFunctions"),
    glueJobs: fields.stringList("glueJobs"),
    batchJobQueues: fields.stringList("batchJobQueues"),
    eventRules: fields.stringList("eventRules"),
  };
}

function reportDuplicates(reader: ConfigReader, key: string, names: string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (name !== "" && seen.has(name))
      reader.problem(`${reader.key(key)} has "${name}" twice; names must be unique.`);
    seen.add(name);
  }
}

/** Fails early on names AWS would reject, by making the longest ones this config produces. */
function checkNames(reader: ConfigReader, config: PlatformConfig): void {
  try {
    const naming = new Naming({ prefix: config.prefix, env: config.env, region: config.region });
    for (const pipeline of config.pipelines) {
      naming.physicalName("iam-role", `${pipeline.name}-event-producer`);
      naming.physicalName("s3-bucket", `${pipeline.name}-input`);
      naming.physicalName("iam-role", `${pipeline.name}-case-creator`);
    }
    for (const job of config.glueJobs) naming.physicalName("iam-role", `${job.name}-glue`);
    naming.physicalName("dashboard", "technical");
  } catch (error) {
    if (error instanceof NamingError) reader.problem(error.message);
    else throw error;
  }
}
