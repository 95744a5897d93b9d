/**
 * The token manager's core: credentials → client certificate → token request over mutual TLS →
 * validated token → Secrets Manager. Every client, the clock and the timing are injected, so tests
 * run it against the emulator and a local TIAA stand-in.
 *
 * On any failure nothing is written (the previous token stays current), `TokenRefreshFailure`
 * is counted with a `Reason`, one clear error line is logged, and the error is rethrown so the
 * invocation fails and Lambda's retries and the alarms see it. Metrics are flushed exactly once.
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Sleep } from "../lib/backoff.js";
import { flushMetrics } from "../lib/invocation.js";
import type { Logger } from "../lib/logger.js";
import type { Metrics } from "../lib/metrics.js";
import { loadClientCertificate, type CertificateExporter } from "./certificate.js";
import type { RefreshConfig } from "./settings.js";
import { fetchCredentials, type LambdaInvoker } from "./credentials.js";
import { TokenRefreshError } from "./errors.js";
import { storeTokenUnlessNewer, type StoredToken } from "./store-token.js";
import { requestToken } from "./tiaa-client.js";
import { parseTokenResponse } from "./token-response.js";

export interface RefreshDeps {
  /** Reads the credential/certificate secrets and writes the token secret. */
  secretsManager: Pick<SecretsManagerClient, "send">;
  /** Needed when credentials come from CSM. */
  lambda?: LambdaInvoker;
  /** Needed when the certificate comes from ACM. */
  acm?: CertificateExporter;
  metrics: Metrics<"token-manager">;
  logger: Logger;
  now?: () => Date;
  sleep?: Sleep;
  random?: () => number;
  /** Extra trusted CA for TIAA's server certificate (tests and the local run only). */
  ca?: string | string[];
  readFile?: (path: string) => Promise<string>;
}

/** What a successful refresh reports (nothing secret). */
export interface RefreshResult {
  expiresAt: string;
  fetchedAt: string;
  tokenType: string;
  /** Token request attempts, first included. */
  attempts: number;
  /**
   * False when another refresh had already stored a token fetched at the same time or later: this
   * one was discarded (never replacing a newer token), and `versionId` is that newer one's.
   */
  stored: boolean;
  /** Secrets Manager version id of the value now current. */
  versionId: string | undefined;
}

export type { StoredToken } from "./store-token.js";

export async function refreshToken(deps: RefreshDeps, config: RefreshConfig): Promise<RefreshResult> {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger;
  // Field names avoid the logger's secret-looking words (token, secret, credential), which it redacts.
  log.info("token refresh started", {
    endpoint: config.tokenUrl,
    storedIn: config.tokenSecretId,
    loginFrom: config.credentials.source,
    certificateFrom: config.certificate.source,
  });
  try {
    const credentials = await fetchCredentials(deps, config.credentials);
    const clientCertificate = await loadClientCertificate(deps, config.certificate, now());
    log.info("client certificate loaded", {
      subject: clientCertificate.subject,
      notAfter: clientCertificate.notAfter.toISOString(),
    });

    const response = await requestToken(deps, {
      url: config.tokenUrl,
      grantType: config.grantType,
      credentials,
      clientCertificate,
      connectTimeoutMs: config.connectTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      retries: config.retries,
      backoff: config.backoff,
    });
    const fetchedAt = now();
    const token = parseTokenResponse(response.body, fetchedAt, config.tokenLifetimeMinutes);
    if (token.expirySource === "configured-lifetime") {
      log.warn("TIAA stated no expiry; using the configured token lifetime", {
        lifetimeMinutes: config.tokenLifetimeMinutes,
      });
    }

    const stored: StoredToken = {
      access_token: token.accessToken,
      token_type: token.tokenType,
      expires_at: token.expiresAt.toISOString(),
      fetched_at: fetchedAt.toISOString(),
    };
    const outcome = await storeTokenUnlessNewer(deps.secretsManager, config.tokenSecretId, stored);
    if (!outcome.stored) {
      // Not a failure: the token consumers read is newer than this one. Counting it as a success too
      // would count one refresh of the secret twice.
      log.info("a token fetched later is already current; this one was discarded", {
        fetchedAt: stored.fetched_at,
        currentFetchedAt: outcome.currentFetchedAt,
        currentVersionId: outcome.currentVersionId,
      });
      return {
        expiresAt: stored.expires_at,
        fetchedAt: stored.fetched_at,
        tokenType: stored.token_type,
        attempts: response.attempts,
        stored: false,
        versionId: outcome.currentVersionId,
      };
    }

    if (outcome.unchecked) {
      log.warn(
        "stored without checking for a newer token: the role may not read its own secret (secretsmanager:GetSecretValue); grant it, see the functionPolicy output",
        {
          storedIn: config.tokenSecretId,
        },
      );
    }
    deps.metrics.add("TokenRefreshSuccess");
    const versionId = outcome.versionId;
    const result: RefreshResult = {
      expiresAt: stored.expires_at,
      fetchedAt: stored.fetched_at,
      tokenType: stored.token_type,
      attempts: response.attempts,
      stored: true,
      versionId,
    };
    log.info("token refreshed and stored", {
      expiresAt: result.expiresAt,
      fetchedAt: result.fetchedAt,
      attempts: result.attempts,
      versionId: result.versionId,
      expirySource: token.expirySource,
    });
    return result;
  } catch (error) {
    const failure =
      error instanceof TokenRefreshError
        ? error
        : new TokenRefreshError(
            "unexpected",
            `Unexpected error: ${(error as Error).name}: ${(error as Error).message}`,
          );
    deps.metrics.add("TokenRefreshFailure", 1, { Reason: failure.reason });
    log.error("token refresh failed; the previous token stays current", {
      reason: failure.reason,
      error: failure.message,
    });
    throw failure;
  } finally {
    await flushMetrics(deps.metrics, deps.logger);
  }
}
