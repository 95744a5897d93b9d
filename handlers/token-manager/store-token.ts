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
  | { stored: true; versionId: string | undefined }
  /** A token fetched at the same time or later is already current; this one was discarded. */
  | { stored: false; currentVersionId: string | undefined; currentFetchedAt: string };

/** Reads and writes of one store; more means other refreshes keep winning, which no schedule produces. */
const MAX_STORE_ATTEMPTS = 3;

type Client = Pick<SecretsManagerClient, "send">;

export async function storeTokenUnlessNewer(secretsManager: Client, secretId: string, token: StoredToken): Promise<StoreOutcome> {
  const secretString = JSON.stringify(token);
  for (let attempt = 1; attempt <= MAX_STORE_ATTEMPTS; attempt++) {
    const current = await readCurrent(secretsManager, secretId);
    if (current?.fetchedAt !== undefined && Date.parse(current.fetchedAt) >= Date.parse(token.fetched_at)) {
      return { stored: false, currentVersionId: current.versionId, currentFetchedAt: current.fetchedAt };
    }
    try {
      const response = (await secretsManager.send(
        new PutSecretValueCommand({ SecretId: secretId, SecretString: secretString, ClientRequestToken: versionAfter(current?.versionId) }),
      )) as PutSecretValueCommandOutput;
      return { stored: true, versionId: response.VersionId };
    } catch (error) {
      // Another refresh stored a version on the same base first: read again and compare.
      if ((error as Error).name === "ResourceExistsException") continue;
      throw new TokenRefreshError("secret-write", `Could not store the token in ${secretId}: ${(error as Error).name}: ${(error as Error).message}`);
    }
  }
  throw new TokenRefreshError("secret-write", `Could not store the token in ${secretId}: other writers changed it ${MAX_STORE_ATTEMPTS} times in a row`);
}

/** The current version and when its token was fetched; undefined while the secret has no value yet. */
async function readCurrent(secretsManager: Client, secretId: string): Promise<{ versionId?: string; fetchedAt?: string } | undefined> {
  let response: GetSecretValueCommandOutput;
  try {
    response = (await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }))) as GetSecretValueCommandOutput;
  } catch (error) {
    // No value yet (a new stack) or no such secret: the write below reports the latter.
    if ((error as Error).name === "ResourceNotFoundException") return undefined;
    throw new TokenRefreshError("secret-write", `Could not read the current token in ${secretId} before storing: ${(error as Error).name}: ${(error as Error).message}`);
  }
  return { versionId: response.VersionId, fetchedAt: fetchedAtOf(response.SecretString) };
}

/** `fetched_at` of a stored token; undefined for anything else (garbage is replaced, never trusted). */
function fetchedAtOf(secretString: string | undefined): string | undefined {
  try {
    const value = JSON.parse(secretString ?? "") as Partial<StoredToken>;
    return typeof value.fetched_at === "string" && Number.isFinite(Date.parse(value.fetched_at)) ? value.fetched_at : undefined;
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
  const hex = createHash("sha256").update(`kyc-token-after:${baseVersionId ?? "(no value yet)"}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
