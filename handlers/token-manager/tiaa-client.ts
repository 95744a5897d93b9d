/**
 * Step 3 of a refresh: the token request to TIAA over mutual TLS, with `got`.
 *
 * Retries (exponential backoff, full jitter) happen only where another try can help: network
 * errors, timeouts and 5xx. A 4xx, a TLS alert, or a server certificate that does not verify is
 * final at once. TLS verification is always on; extra trust comes only from NODE_EXTRA_CA_CERTS
 * (read by Node itself) or the `ca` injected by tests and the local run.
 */
import got, { RequestError, type Response } from "got";
import { Agent } from "node:https";
import { backoffDelay, sleep as realSleep, type Sleep } from "../lib/backoff.js";
import type { Logger } from "../lib/logger.js";
import type { ClientCertificate } from "./certificate.js";
import { DEFAULT_TOKEN_BACKOFF } from "./settings.js";
import type { Credentials } from "./credentials.js";
import { TokenRefreshError } from "./errors.js";

export interface TokenRequest {
  url: string;
  grantType: string;
  credentials: Credentials;
  clientCertificate: ClientCertificate;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  retries: number;
  backoff?: { baseMs: number; maxMs: number };
}

export interface TiaaClientDeps {
  logger: Logger;
  sleep?: Sleep;
  random?: () => number;
  /** Extra trusted CA certificates (PEM). Replaces the default trust store when given: tests and the local run only. */
  ca?: string | string[];
}

export interface TokenHttpResponse {
  body: string;
  statusCode: number;
  /** Attempts made, first included. */
  attempts: number;
}

/** Codes Node/OpenSSL use when the server's certificate does not verify. */
const SERVER_CERT_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REVOKED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

export async function requestToken(deps: TiaaClientDeps, request: TokenRequest): Promise<TokenHttpResponse> {
  const backoff = request.backoff ?? DEFAULT_TOKEN_BACKOFF;
  const maxAttempts = request.retries + 1;
  for (let attempt = 1; ; attempt++) {
    let failure: TokenRefreshError;
    // One agent per attempt and no keep-alive: a refresh runs once an hour, and a fresh TLS
    // session each time means a rotated certificate is always the one presented.
    const agent = new Agent({ keepAlive: false });
    try {
      const response = await send(request, agent, deps.ca);
      if (response.statusCode >= 200 && response.statusCode < 300)
        return { body: response.body, statusCode: response.statusCode, attempts: attempt };
      failure = statusFailure(response);
    } catch (error) {
      failure = networkFailure(error);
    } finally {
      agent.destroy();
    }
    if (!failure.retryable || attempt >= maxAttempts) {
      throw new TokenRefreshError(
        failure.reason,
        `${failure.message} (attempt ${attempt} of ${maxAttempts})`,
      );
    }
    const delayMs = backoffDelay(attempt, { ...backoff, random: deps.random });
    deps.logger.warn("token request failed; retrying", {
      attempt,
      maxAttempts,
      reason: failure.reason,
      error: failure.message,
      delayMs,
    });
    await (deps.sleep ?? realSleep)(delayMs);
  }
}

function send(
  request: TokenRequest,
  agent: Agent,
  ca: string | string[] | undefined,
): Promise<Response<string>> {
  return got.post(request.url, {
    form: {
      grant_type: request.grantType,
      username: request.credentials.username,
      password: request.credentials.password,
    },
    headers: { accept: "application/json" },
    responseType: "text",
    throwHttpErrors: false,
    followRedirect: false,
    retry: { limit: 0 },
    timeout: {
      connect: request.connectTimeoutMs,
      secureConnect: request.connectTimeoutMs,
      request: request.requestTimeoutMs,
    },
    agent: { https: agent },
    https: {
      certificate: request.clientCertificate.certificatePem,
      key: request.clientCertificate.privateKeyPem,
      rejectUnauthorized: true,
      ...(ca ? { certificateAuthority: ca } : {}),
    },
  });
}

function statusFailure(response: Response<string>): TokenRefreshError {
  const status = response.statusCode;
  const detail = `TIAA answered HTTP ${status}${oauthError(response.body)}`;
  if (status >= 500) return new TokenRefreshError("http-5xx", detail, true);
  if (status >= 400) {
    const hint =
      status === 401 || status === 403
        ? "; the credentials were refused (check the CSM object / credential secret)"
        : "";
    return new TokenRefreshError("http-4xx", `${detail}${hint}`);
  }
  return new TokenRefreshError("http-unexpected", `${detail}; expected 200 with a token`);
}

/** The OAuth `error` code of an error body, if it is one (a short code, never the body itself). */
function oauthError(body: string): string {
  try {
    const code = (JSON.parse(body) as { error?: unknown }).error;
    return typeof code === "string" && /^[\w.-]{1,64}$/.test(code) ? ` (error ${code})` : "";
  } catch {
    return "";
  }
}

function networkFailure(error: unknown): TokenRefreshError {
  if (!(error instanceof RequestError)) {
    return new TokenRefreshError(
      "endpoint-unreachable",
      `Token request failed: ${(error as Error).message}`,
      true,
    );
  }
  const code = error.code ?? "";
  if (error.name === "TimeoutError") {
    return new TokenRefreshError("endpoint-timeout", `TIAA did not answer in time (${error.message})`, true);
  }
  if (SERVER_CERT_CODES.has(code)) {
    return new TokenRefreshError(
      "server-certificate",
      `TIAA's server certificate did not verify (${code}); if TIAA uses a private CA, add it with NODE_EXTRA_CA_CERTS`,
    );
  }
  if (/^ERR_SSL_.*ALERT/.test(code)) {
    return new TokenRefreshError(
      "tls-rejected",
      `TIAA refused the TLS session (${code}): check the client certificate and that TIAA trusts its issuer`,
    );
  }
  if (code === "ECONNRESET" && error.timings?.secureConnect !== undefined) {
    // With TLS 1.3 a server checks the client certificate after the client thinks the handshake
    // is done; a rejection then arrives as a reset before any HTTP answer.
    return new TokenRefreshError(
      "tls-rejected",
      "TIAA closed the connection right after the TLS handshake without answering; most often it did not accept the client certificate",
      true,
    );
  }
  return new TokenRefreshError(
    "endpoint-unreachable",
    `Could not reach TIAA (${code || error.name}: ${error.message})`,
    true,
  );
}
