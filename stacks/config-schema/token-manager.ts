/** The token manager: the TIAA token request, where its credentials and client certificate come from. */
import type {
  CertificateSource,
  CredentialSource,
  TokenManagerConfig,
} from "../../components/token-manager-config.js";
import { httpsUrl, integer, isNot, oneOf, optionalHttpsUrl, optionalText, text } from "./fields.js";
import { configKey } from "./problems.js";
import { type Assert, type Conforms, defineSection, type Fields, type Problem } from "./section.js";

const SECRET_ARN = isNot(
  /^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
  "a Secrets Manager secret ARN",
);
const RATE = /^rate\((\d+) (minute|minutes|hour|hours)\)$/;
const DOT_PATH = "[A-Za-z_][\\w-]*(\\.[A-Za-z_][\\w-]*)*";
const pathList = {
  regex: new RegExp(`^${DOT_PATH}(\\s*,\\s*${DOT_PATH})*$`),
  problem: (value: string) =>
    `is "${value}"; write dot paths separated by commas, e.g. data.account.userName,UserName.`,
};

/** Keys that must be set when a source is chosen, and the fix hint of each. */
const REQUIRED_WHEN = {
  credentialSource: {
    "csm-lambda": {
      csmLambdaName: "the CSM tool's Lambda name or ARN",
      csmSafe: "the safe that holds the TIAA credential",
      csmObject: "the object (account) in the safe",
    },
    secret: { credentialSecretArn: "" },
  },
  certificateSource: {
    acm: { certificateArn: "" },
    secret: { certificateSecretArn: "" },
    file: { certificatePath: "" },
  },
} as const;

const keys = ({ stack, env }: { stack: string; env: string }) => ({
  tokenUrl: httpsUrl({
    description: "TIAA auth URL (https). SIT/UAT/E2E share one; prod's is set by `pulumi config set`.",
    fix:
      env === "prod"
        ? `The production TIAA URL is never kept in code; set it with: pulumi config set --stack ${stack} tokenUrl https://<production TIAA auth URL>`
        : `Set it with: pulumi config set --stack ${stack} tokenUrl https://<TIAA auth URL>`,
  }),
  tokenSchedule: text({
    description: "Scheduler expression of the token refresh (must be shorter than the token lifetime).",
    default: "rate(55 minutes)",
    fix: "Set it, e.g. rate(55 minutes).",
    pattern: {
      regex: /^(rate\(\d+ (minute|minutes|hour|hours)\)|cron\(.+\))$/,
      problem: (value) => `is "${value}"; use rate(55 minutes) or a cron(...) expression.`,
    },
  }),
  tokenLifetimeMinutes: integer(5, 1440, {
    description: 'Token lifetime; the "no successful refresh" alarm fires after it.',
    default: 60,
  }),
  tokenSecretName: optionalText({
    description: "Secret that holds the token.",
    shownDefault: "`<prefix>-tiaa-token-<env>`",
  }),
  tokenGrantType: text({
    description: "OAuth `grant_type` sent with the credentials.",
    default: "password",
    fix: "Set the OAuth grant type, e.g. password.",
  }),
  tokenConnectTimeoutMs: integer(100, 60_000, {
    description: "Connect timeout of a token request.",
    default: 3000,
  }),
  tokenRequestTimeoutMs: integer(500, 120_000, {
    description: "Total timeout of one token request attempt.",
    default: 10000,
  }),
  tokenRetries: integer(0, 5, {
    description: "Retries on network errors and 5xx (never on 4xx).",
    default: 2,
  }),
  tokenAuthRoleArn: optionalText({
    description: "Existing IAM role for the token manager; empty: a least-privilege role is created.",
    pattern: isNot(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, "an IAM role ARN"),
  }),
  tokenReservedConcurrency: integer(0, 1000, {
    description:
      "Concurrent executions reserved for the token manager; `0` reserves none. Not needed against racing refreshes (a refresh never replaces a newer token); any reservation needs an account quota of at least it + 10.",
    default: 0,
  }),
  secretsManagerEndpoint: optionalHttpsUrl({
    description: "Secrets Manager endpoint override (e.g. a VPC endpoint URL).",
    fix: "Use the https URL of the endpoint, or leave it empty.",
  }),
  credentialSource: oneOf(["csm-lambda", "secret"], {
    description: "`csm-lambda` (invoke the CSM tool) or `secret`.",
    default: "csm-lambda",
  }),
  csmLambdaName: optionalText({ description: "CSM Lambda name or ARN (csm-lambda)." }),
  csmSafe: optionalText({ description: "CSM safe holding the TIAA credential (csm-lambda)." }),
  csmObject: optionalText({ description: "Object in the safe (csm-lambda)." }),
  csmPayloadTemplate: optionalText({
    description: "Invoke payload; `{safe}`/`{object}` are filled in.",
    default: '{"safe":"{safe}","object":"{object}"}',
  }),
  csmUsernameField: optionalText({
    description:
      "Dot path(s) of the username in CSM's answer, comma-separated (empty: `username`, `UserName`, `userName`).",
    pattern: pathList,
  }),
  csmPasswordField: optionalText({
    description: "Dot path(s) of the password in CSM's answer (empty: `password`, `Content`, `Password`).",
    pattern: pathList,
  }),
  credentialSecretArn: optionalText({
    description: 'Secret with `{"username","password"}` (secret).',
    pattern: SECRET_ARN,
  }),
  certificateSource: oneOf(["acm", "secret", "file"], {
    description: "Client certificate for mutual TLS: `acm`, `secret` or `file` (legacy).",
    default: "acm",
  }),
  certificateArn: optionalText({
    description: "Exportable ACM certificate (acm).",
    pattern: isNot(/^arn:aws[\w-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, "an ACM certificate ARN"),
  }),
  certificateSecretArn: optionalText({
    description: 'Secret with PEM `{"certificate","privateKey","chain"}` (secret).',
    pattern: SECRET_ARN,
  }),
  certificatePath: optionalText({
    description: "PEM bundle inside the function package (file; discouraged).",
  }),
});

type TokenFields = Fields<ReturnType<typeof keys>>;

function rules(valid: Partial<TokenFields>): Problem[] {
  const problems: Problem[] = [];
  for (const [sourceKey, bySource] of Object.entries(REQUIRED_WHEN)) {
    const source = valid[sourceKey as keyof typeof REQUIRED_WHEN];
    const required: Record<string, string> = source ? bySource[source as keyof typeof bySource] : {};
    for (const [key, fix] of Object.entries(required)) {
      if (key in valid && valid[key as keyof TokenFields] === undefined)
        problems.push({
          path: [key],
          message: `is missing. It is required when ${sourceKey} is ${source}${fix ? `: ${fix}` : ""}.`,
        });
    }
  }
  if (valid.credentialSource === "csm-lambda" && "csmPayloadTemplate" in valid) {
    const template = valid.csmPayloadTemplate;
    if (template === undefined)
      problems.push({
        path: ["csmPayloadTemplate"],
        message: "is missing. Set the JSON payload sent to the CSM Lambda.",
      });
    else if (!isJson(template.replaceAll("{safe}", "s").replaceAll("{object}", "o")))
      problems.push({
        path: ["csmPayloadTemplate"],
        message: "is not valid JSON once {safe} and {object} are filled in.",
      });
  }
  const everyMinutes = scheduleMinutes(valid.tokenSchedule);
  const lifetime = valid.tokenLifetimeMinutes;
  if (everyMinutes !== undefined && lifetime !== undefined && everyMinutes >= lifetime)
    problems.push({
      path: ["tokenSchedule"],
      message:
        `refreshes every ${everyMinutes} minutes but tokens live ${lifetime} minutes ` +
        `(${configKey("tokenLifetimeMinutes")}); refresh more often than tokens expire.`,
    });
  return problems;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Minutes between runs of a `rate(...)` schedule; cron schedules are not checked. */
function scheduleMinutes(schedule: string | undefined): number | undefined {
  const match = schedule === undefined ? null : RATE.exec(schedule);
  if (!match) return undefined;
  return Number(match[1]) * (match[2]!.startsWith("hour") ? 60 : 1);
}

const paths = (list: string | undefined) => list?.split(",").map((path) => path.trim());

function credentials(fields: TokenFields): CredentialSource {
  if (fields.credentialSource === "secret")
    return { source: "secret", secretArn: fields.credentialSecretArn! };
  return {
    source: "csm-lambda",
    lambdaName: fields.csmLambdaName!,
    safe: fields.csmSafe!,
    object: fields.csmObject!,
    payloadTemplate: fields.csmPayloadTemplate!,
    responseFields: { username: paths(fields.csmUsernameField), password: paths(fields.csmPasswordField) },
  };
}

function certificate(fields: TokenFields): CertificateSource {
  switch (fields.certificateSource) {
    case "secret":
      return { source: "secret", secretArn: fields.certificateSecretArn! };
    case "file":
      return { source: "file", path: fields.certificatePath! };
    default:
      return { source: "acm", certificateArn: fields.certificateArn! };
  }
}

export const tokenManager = defineSection({
  keys,
  rules,
  build: (fields, { env, prefix }) => ({
    tokenManager: {
      schedule: fields.tokenSchedule,
      tokenUrl: fields.tokenUrl,
      secretName: fields.tokenSecretName ?? `${prefix}-tiaa-token-${env}`,
      lifetimeMinutes: fields.tokenLifetimeMinutes,
      grantType: fields.tokenGrantType,
      connectTimeoutMs: fields.tokenConnectTimeoutMs,
      requestTimeoutMs: fields.tokenRequestTimeoutMs,
      retries: fields.tokenRetries,
      authRoleArn: fields.tokenAuthRoleArn,
      secretsManagerEndpoint: fields.secretsManagerEndpoint,
      credentials: credentials(fields),
      certificate: certificate(fields),
      /** Opt-in (issue #10): 0 reserves nothing, the only setting every account accepts. */
      reservedConcurrency: fields.tokenReservedConcurrency > 0 ? fields.tokenReservedConcurrency : undefined,
    },
  }),
});

export type TokenManagerMatches = Assert<
  Conforms<ReturnType<typeof tokenManager.build>["tokenManager"], TokenManagerConfig>
>;
