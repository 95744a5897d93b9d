/**
 * Step 4: store the new token, but never over a newer one. Two refreshes can run at once (a
 * scheduled one and a retry, or the deployment's first refresh and the schedule's), and TIAA may
 * revoke the older token when it issues the newer: the token that must stay current is the one
 * fetched last, whichever write lands last.
 *
 * Secrets Manager has no conditional write, so this is a compare-and-swap built from two of its
 * rules: the write is preceded by a read of the current version, and it uses a ClientRequestToken
 * derived from that version's id. Two writers that read the same version therefore ask for the same
 * new version id with different values, and Secrets Manager refuses the second ("you can't modify
 * an existing version", ResourceExistsException —
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html). The
 * refused writer reads again and stores its token only if it is still the newer one.
 */
import { createHash } from "node:crypto";
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type GetSecretValueCommandOutput,
  type PutSecretValueCommandOutput,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { TokenRefreshError } from "./errors.js";

/** The JSON stored in the token secret; consumers read it with `SecretTokenClient`. */
export interface StoredToken {
  access_token: string;
  token_type: string;
  expires_at: string;
  fetched_at: string;
}

export type StoreOutcome =
  /** `unchecked`: the current token could not be read (no GetSecretValue), so it was stored without the comparison. */
  | { stored: true; versionId: string | undefined; unchecked?: boolean }
  /** A token fetched at the same time or later is already current; this one was discarded. */
  | { stored: false; currentVersionId: string | undefined; currentFetchedAt: string };

/** Reads and writes of one store; more means other refreshes keep winning, which no schedule produces. */
const MAX_STORE_ATTEMPTS = 3;

type Client = Pick<SecretsManagerClient, "send">;

export async function storeTokenUnlessNewer(
  secretsManager: Client,
  secretId: string,
  token: StoredToken,
): Promise<StoreOutcome> {
  const secretString = JSON.stringify(token);
  for (let attempt = 1; attempt <= MAX_STORE_ATTEMPTS; attempt++) {
    const current = await readCurrent(secretsManager, secretId);
    if (current === "unreadable") {
      const unchecked = await put(secretsManager, secretId, secretString, undefined);
      if (unchecked !== "lost") return { ...unchecked, unchecked: true };
    }
    const base = current === "unreadable" ? undefined : current;
    if (base?.fetchedAt !== undefined && Date.parse(base.fetchedAt) >= Date.parse(token.fetched_at)) {
      return { stored: false, currentVersionId: base.versionId, currentFetchedAt: base.fetchedAt };
    }
    const outcome = await put(secretsManager, secretId, secretString, versionAfter(base?.versionId));
    // Another refresh stored a version on the same base first: read again and compare.
    if (outcome === "lost") continue;
    return outcome;
  }
  throw new TokenRefreshError(
    "secret-write",
    `Could not store the token in ${secretId}: other writers changed it ${MAX_STORE_ATTEMPTS} times in a row`,
  );
}

async function put(
  secretsManager: Client,
  secretId: string,
  secretString: string,
  clientRequestToken: string | undefined,
): Promise<{ stored: true; versionId: string | undefined } | "lost"> {
  try {
    const response = (await secretsManager.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: secretString,
        ...(clientRequestToken ? { ClientRequestToken: clientRequestToken } : {}),
      }),
    )) as PutSecretValueCommandOutput;
    return { stored: true, versionId: response.VersionId };
  } catch (error) {
    if ((error as Error).name === "ResourceExistsException" && clientRequestToken) return "lost";
    throw new TokenRefreshError(
      "secret-write",
      `Could not store the token in ${secretId}: ${(error as Error).name}: ${(error as Error).message}`,
    );
  }
}

/**
 * The current version and when its token was fetched; undefined while the secret has no value yet;
 * `unreadable` when the role may not read it (a role from the IAM team, `tokenAuthRoleArn`, that
 * predates the read): storing unchecked keeps refreshes working, and the caller warns.
 */
async function readCurrent(
  secretsManager: Client,
  secretId: string,
): Promise<{ versionId?: string; fetchedAt?: string } | undefined | "unreadable"> {
  let response: GetSecretValueCommandOutput;
  try {
    response = (await secretsManager.send(
      new GetSecretValueCommand({ SecretId: secretId }),
    )) as GetSecretValueCommandOutput;
  } catch (error) {
    // No value yet (a new stack) or no such secret: the write below reports the latter.
    if ((error as Error).name === "ResourceNotFoundException") return undefined;
    if ((error as Error).name === "AccessDeniedException") return "unreadable";
    throw new TokenRefreshError(
      "secret-write",
      `Could not read the current token in ${secretId} before storing: ${(error as Error).name}: ${(error as Error).message}`,
    );
  }
  return { versionId: response.VersionId, fetchedAt: fetchedAtOf(response.SecretString) };
}

/** `fetched_at` of a stored token; undefined for anything else (garbage is replaced, never trusted). */
function fetchedAtOf(secretString: string | undefined): string | undefined {
  try {
    const value = JSON.parse(secretString ?? "") as Partial<StoredToken>;
    return typeof value.fetched_at === "string" && Number.isFinite(Date.parse(value.fetched_at))
      ? value.fetched_at
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The version id a writer asks for when it replaces `baseVersionId`: the same for every writer that
 * read that base, so only the first of them can create it. UUID-shaped (Secrets Manager accepts
 * 32–64 characters).
 */
export function versionAfter(baseVersionId: string | undefined): string {
  const hex = createHash("sha256")
    .update(`kyc-token-after:${baseVersionId ?? "(no value yet)"}`)
    .digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
