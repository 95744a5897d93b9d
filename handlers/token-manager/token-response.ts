/**
 * Step 3b: what TIAA answered must be a usable token before anything is stored — a non-empty
 * `access_token` and an expiry in the future — so a bad answer never replaces a good token.
 */
import { TokenRefreshError } from "./errors.js";

export interface ValidatedToken {
  accessToken: string;
  tokenType: string;
  expiresAt: Date;
  /** Where the expiry came from; `configured-lifetime` means TIAA stated none. */
  expirySource: "expires_in" | "expires_at" | "configured-lifetime";
}

/** A token valid for longer than this is more likely a unit mix-up than a real lifetime. */
const MAX_LIFETIME_SECONDS = 7 * 24 * 3600;

export function parseTokenResponse(body: string, now: Date, fallbackLifetimeMinutes: number): ValidatedToken {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new TokenRefreshError(
      "malformed-response",
      `TIAA answered 2xx with a body that is not JSON (${body.length} bytes)`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TokenRefreshError("malformed-response", "TIAA answered 2xx with JSON that is not an object");
  }
  const record = value as Record<string, unknown>;
  const accessToken = record.access_token;
  if (typeof accessToken !== "string" || accessToken.trim() === "") {
    throw new TokenRefreshError(
      "malformed-response",
      `TIAA's answer has no access_token (fields: ${
        Object.keys(record)
          .filter((k) => k !== "access_token")
          .join(", ") || "none"
      })`,
    );
  }
  const tokenType =
    typeof record.token_type === "string" && record.token_type !== "" ? record.token_type : "Bearer";
  const { expiresAt, expirySource } = expiryOf(record, now, fallbackLifetimeMinutes);
  return { accessToken, tokenType, expiresAt, expirySource };
}

function expiryOf(
  record: Record<string, unknown>,
  now: Date,
  fallbackLifetimeMinutes: number,
): Pick<ValidatedToken, "expiresAt" | "expirySource"> {
  if (record.expires_in !== undefined) {
    const seconds = typeof record.expires_in === "string" ? Number(record.expires_in) : record.expires_in;
    if (
      typeof seconds !== "number" ||
      !Number.isFinite(seconds) ||
      seconds <= 0 ||
      seconds > MAX_LIFETIME_SECONDS
    ) {
      throw new TokenRefreshError(
        "malformed-response",
        `TIAA's expires_in is not a positive number of seconds (at most ${MAX_LIFETIME_SECONDS})`,
      );
    }
    return { expiresAt: new Date(now.getTime() + seconds * 1000), expirySource: "expires_in" };
  }
  if (record.expires_at !== undefined) {
    const raw = record.expires_at;
    // Epoch numbers below 1e12 are seconds, above are milliseconds.
    const ms =
      typeof raw === "number"
        ? raw < 1e12
          ? raw * 1000
          : raw
        : typeof raw === "string"
          ? Date.parse(raw)
          : NaN;
    if (!Number.isFinite(ms))
      throw new TokenRefreshError(
        "malformed-response",
        "TIAA's expires_at is neither an ISO-8601 time nor an epoch number",
      );
    if (ms <= now.getTime())
      throw new TokenRefreshError(
        "malformed-response",
        `TIAA's token is already expired (expires_at ${new Date(ms).toISOString()})`,
      );
    if (ms - now.getTime() > MAX_LIFETIME_SECONDS * 1000) {
      throw new TokenRefreshError(
        "malformed-response",
        `TIAA's expires_at ${new Date(ms).toISOString()} is implausibly far away`,
      );
    }
    return { expiresAt: new Date(ms), expirySource: "expires_at" };
  }
  return {
    expiresAt: new Date(now.getTime() + fallbackLifetimeMinutes * 60_000),
    expirySource: "configured-lifetime",
  };
}
