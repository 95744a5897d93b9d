/**
 * The token manager's part of a stack's configuration, as `TokenManager` takes it (keys in
 * `stacks/config-schema/token-manager.ts`, which checks it conforms).
 */

/** Where the token manager gets the TIAA username/password (or client id/secret). */
export type CredentialSource =
  | {
      source: "csm-lambda";
      /** Name or ARN of the CSM tool's Lambda that reads a safe. */
      lambdaName: string;
      /** Safe that holds the TIAA credential. */
      safe: string;
      /** Object (account) inside the safe. */
      object: string;
      /** JSON template of the invoke payload; `{safe}` and `{object}` are replaced. */
      payloadTemplate: string;
      /** Dot paths of the username / password in the answer (first match wins); unset: the handler's defaults. */
      responseFields?: { username?: string[]; password?: string[] };
    }
  | { source: "secret" /** ARN of a secret holding `{"username","password"}`. */; secretArn: string };

/** Where the client certificate + private key for mutual TLS come from. */
export type CertificateSource =
  | { source: "acm" /** ARN of an exportable ACM certificate. */; certificateArn: string }
  | {
      source: "secret" /** ARN of a secret holding `{"certificate","privateKey","chain"?}` in PEM. */;
      secretArn: string;
    }
  | {
      source: "file" /** Path of a PEM bundle inside the function package (legacy, discouraged). */;
      path: string;
    };

export interface TokenManagerConfig {
  schedule: string;
  tokenUrl: string;
  secretName: string;
  lifetimeMinutes: number;
  grantType: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  retries: number;
  /** An existing IAM role for the function, when the bank's IAM team provides one. */
  authRoleArn?: string;
  /** Secrets Manager endpoint override (e.g. a VPC interface endpoint URL). */
  secretsManagerEndpoint?: string;
  credentials: CredentialSource;
  certificate: CertificateSource;
  /** Reserved concurrent executions of the token manager; undefined reserves none (`tokenReservedConcurrency` 0). */
  reservedConcurrency?: number;
}
