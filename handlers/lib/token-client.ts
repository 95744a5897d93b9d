/**
 * The one way consumers read the TIAA token: from the Secrets Manager secret the token manager
 * writes. The token is cached in memory until `expires_at - refreshMarginMs`, so a warm Lambda
 * reads the secret about once per token lifetime; concurrent callers share one read; a 401 from a
 * downstream API drops the cache and re-reads once (the token manager may have rotated it).
 *
 * @example
 * const tokens = new SecretTokenClient({ secretsManager, secretId: requireEnv("TOKEN_SECRET_ID") });
 * const bearer = await tokens.getToken();
 */
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { TokenProvider } from "./token-provider.js";

export interface SecretTokenClientOptions {
  secretsManager: Pick<SecretsManagerClient, "send">;
  /** Name or ARN of the token secret. */
  secretId: string;
  /** How long before `expires_at` a cached token is considered stale, in ms. @default `300_000` */
  refreshMarginMs?: number;
  /** Clock in epoch ms (injectable for tests). @default `Date.now` */
  now?: () => number;
}

/** Thrown when the secret cannot give a usable token; the message says what to check. */
export class TokenUnavailableError extends Error {
  override name = "TokenUnavailableError";
}

interface CachedToken {
  token: string;
  expiresAtMs: number;
  /** Served from the cache while `now < cacheUntilMs`. */
  cacheUntilMs: number;
}

/**
 * When the stored token is already inside the margin (the token manager is late), it is still
 * served until it expires, but re-checked this often rather than on every call.
 */
const LATE_TOKEN_RECHECK_MS = 30_000;

export class SecretTokenClient implements TokenProvider {
  /** GetSecretValue calls made so far (the local run reports it). */
  reads = 0;
  private cached: CachedToken | undefined;
  private inFlight: Promise<CachedToken> | undefined;
  private readonly marginMs: number;
  private readonly now: () => number;

  constructor(private readonly options: SecretTokenClientOptions) {
    this.marginMs = options.refreshMarginMs ?? 300_000;
    this.now = options.now ?? Date.now;
  }

  async getToken(): Promise<string> {
    const cached = this.cached;
    if (cached && this.now() < cached.cacheUntilMs) return cached.token;
    return (await this.read()).token;
  }

  async refreshAfterUnauthorized(): Promise<string> {
    this.cached = undefined;
    return (await this.read()).token;
  }

  /** One GetSecretValue at a time: callers arriving while a read is in flight share its result. */
  private read(): Promise<CachedToken> {
    this.inFlight ??= this.readSecret().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async readSecret(): Promise<CachedToken> {
    const secretId = this.options.secretId;
    this.reads += 1;
    let secretString: string | undefined;
    try {
      const response = await this.options.secretsManager.send(
        new GetSecretValueCommand({ SecretId: secretId }),
      );
      secretString = response.SecretString;
    } catch (error) {
      const name = (error as Error).name;
      if (name === "ResourceNotFoundException") {
        throw new TokenUnavailableError(
          `Token secret ${secretId} does not exist or has no current value yet: the token manager has not stored a token ` +
            `(check its TokenRefreshFailure metric and logs).`,
        );
      }
      throw new TokenUnavailableError(
        `Could not read token secret ${secretId}: ${name}: ${(error as Error).message}`,
      );
    }
    const entry = this.parse(secretId, secretString);
    this.cached = entry;
    return entry;
  }

  private parse(secretId: string, secretString: string | undefined): CachedToken {
    if (!secretString)
      throw new TokenUnavailableError(
        `Token secret ${secretId} has no string value; the token manager stores JSON there.`,
      );
    let value: unknown;
    try {
      value = JSON.parse(secretString);
    } catch {
      throw new TokenUnavailableError(
        `Token secret ${secretId} does not hold JSON; expected {access_token, token_type, expires_at, fetched_at}.`,
      );
    }
    const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    const token = record.access_token;
    if (typeof token !== "string" || token === "") {
      throw new TokenUnavailableError(
        `Token secret ${secretId} has no access_token; expected {access_token, token_type, expires_at, fetched_at}.`,
      );
    }
    const expiresAtMs = typeof record.expires_at === "string" ? Date.parse(record.expires_at) : NaN;
    if (Number.isNaN(expiresAtMs)) {
      throw new TokenUnavailableError(
        `Token secret ${secretId} has no valid expires_at (ISO-8601 expected).`,
      );
    }
    const now = this.now();
    if (expiresAtMs <= now) {
      throw new TokenUnavailableError(
        `The token in ${secretId} expired at ${new Date(expiresAtMs).toISOString()}: token refreshes are failing ` +
          `(check the token manager's TokenRefreshFailure metric and logs).`,
      );
    }
    const fresh = expiresAtMs - this.marginMs;
    const cacheUntilMs = fresh > now ? fresh : Math.min(expiresAtMs, now + LATE_TOKEN_RECHECK_MS);
    return { token, expiresAtMs, cacheUntilMs };
  }
}
