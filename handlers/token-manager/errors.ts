/**
 * Why a refresh failed, as a short code: it is the `Reason` dimension of `TokenRefreshFailure`, so
 * alarms and the dashboard can tell an outage at TIAA from a broken certificate or bad credentials.
 */
export type RefreshFailureReason =
  /** The function's environment is incomplete or inconsistent (a deployment problem). */
  | "configuration"
  /** Credentials could not be fetched from CSM or the credential secret, or were incomplete. */
  | "credentials"
  /** The client certificate or key could not be loaded, decrypted, matched or is expired. */
  | "certificate"
  /** No TCP/TLS connection, or it was reset before the handshake finished. */
  | "endpoint-unreachable"
  /** Connect or total request timeout. */
  | "endpoint-timeout"
  /** TIAA refused the TLS session (client certificate missing, untrusted or rejected). */
  | "tls-rejected"
  /** TIAA's own certificate did not verify (verification is never switched off). */
  | "server-certificate"
  | "http-4xx"
  | "http-5xx"
  /** A status that is neither success nor a client/server error (e.g. a redirect). */
  | "http-unexpected"
  /** 2xx, but not JSON, no access_token, or no usable expiry. */
  | "malformed-response"
  /** The new token could not be written; the previous one is still current. */
  | "secret-write"
  /** A bug or a failure nobody foresaw; the log line carries the error's name and message. */
  | "unexpected";

/** A failure with a reason code and a message a person can act on (never containing a secret). */
export class TokenRefreshError extends Error {
  override name = "TokenRefreshError";

  constructor(
    readonly reason: RefreshFailureReason,
    message: string,
    /** Whether trying the same request again may succeed (network errors and 5xx only). */
    readonly retryable = false,
  ) {
    super(message);
  }
}
