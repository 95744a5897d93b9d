/**
 * SecretTokenClient against the moto server's Secrets Manager, with a controllable clock.
 */
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { beforeAll, describe, expect, it } from "vitest";
import { SecretTokenClient, TokenUnavailableError } from "../handlers/lib/token-client.js";
import { testClientConfig, uniqueName } from "./support/emulator.js";

const T0 = Date.parse("2026-11-26T08:00:00.000Z");
const MINUTE = 60_000;

let secrets: SecretsManagerClient;

beforeAll(() => {
  secrets = new SecretsManagerClient(testClientConfig());
});

/** A fresh secret holding one token; returns its name and a function to replace the token. */
async function tokenSecret(
  token: string,
  expiresAt: number,
): Promise<{ id: string; put: (token: string, expiresAt: number) => Promise<void> }> {
  const id = uniqueName("tiaa-token");
  const value = (t: string, e: number) =>
    JSON.stringify({
      access_token: t,
      token_type: "Bearer",
      expires_at: new Date(e).toISOString(),
      fetched_at: new Date(T0).toISOString(),
    });
  await secrets.send(new CreateSecretCommand({ Name: id, SecretString: value(token, expiresAt) }));
  return {
    id,
    put: async (t, e) =>
      void (await secrets.send(new PutSecretValueCommand({ SecretId: id, SecretString: value(t, e) }))),
  };
}

function clock(start = T0) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("SecretTokenClient", () => {
  it("caches the token: many calls, one read", async () => {
    const { id } = await tokenSecret("token-a", T0 + 60 * MINUTE);
    const time = clock();
    const client = new SecretTokenClient({ secretsManager: secrets, secretId: id, now: time.now });

    for (let i = 0; i < 5; i++) expect(await client.getToken()).toBe("token-a");
    time.advance(30 * MINUTE);
    expect(await client.getToken()).toBe("token-a");
    expect(client.reads).toBe(1);
  });

  it("re-reads once the token is within the refresh margin of its expiry", async () => {
    const secret = await tokenSecret("token-a", T0 + 10 * MINUTE);
    const time = clock();
    const client = new SecretTokenClient({
      secretsManager: secrets,
      secretId: secret.id,
      refreshMarginMs: 5 * MINUTE,
      now: time.now,
    });

    expect(await client.getToken()).toBe("token-a");
    await secret.put("token-b", T0 + 70 * MINUTE);
    time.advance(5 * MINUTE - 1);
    expect(await client.getToken()).toBe("token-a");
    expect(client.reads).toBe(1);
    time.advance(1);
    expect(await client.getToken()).toBe("token-b");
    expect(client.reads).toBe(2);
  });

  it("uses the default margin of five minutes", async () => {
    const { id } = await tokenSecret("token-a", T0 + 20 * MINUTE);
    const time = clock();
    const client = new SecretTokenClient({ secretsManager: secrets, secretId: id, now: time.now });
    await client.getToken();
    time.advance(15 * MINUTE - 1);
    await client.getToken();
    expect(client.reads).toBe(1);
    time.advance(1);
    await client.getToken();
    expect(client.reads).toBe(2);
  });

  it("single flight: concurrent callers share one read", async () => {
    const { id } = await tokenSecret("token-a", T0 + 60 * MINUTE);
    const client = new SecretTokenClient({ secretsManager: secrets, secretId: id, now: clock().now });

    const tokens = await Promise.all(Array.from({ length: 20 }, () => client.getToken()));
    expect(new Set(tokens)).toEqual(new Set(["token-a"]));
    expect(client.reads).toBe(1);
  });

  it("after a 401: drops the cache and re-reads once, even when many callers report it together", async () => {
    const secret = await tokenSecret("token-a", T0 + 60 * MINUTE);
    const client = new SecretTokenClient({ secretsManager: secrets, secretId: secret.id, now: clock().now });
    expect(await client.getToken()).toBe("token-a");
    await secret.put("token-b", T0 + 60 * MINUTE);

    expect(await client.getToken()).toBe("token-a"); // cached until told otherwise
    const refreshed = await Promise.all([
      client.refreshAfterUnauthorized(),
      client.refreshAfterUnauthorized(),
      client.refreshAfterUnauthorized(),
    ]);
    expect(refreshed).toEqual(["token-b", "token-b", "token-b"]);
    expect(client.reads).toBe(2);
    expect(await client.getToken()).toBe("token-b");
    expect(client.reads).toBe(2);
  });

  it("serves a late token (inside the margin, not expired) but re-checks it every 30 seconds", async () => {
    const secret = await tokenSecret("token-late", T0 + 2 * MINUTE);
    const time = clock();
    const client = new SecretTokenClient({ secretsManager: secrets, secretId: secret.id, now: time.now });

    expect(await client.getToken()).toBe("token-late");
    time.advance(29_999);
    expect(await client.getToken()).toBe("token-late");
    expect(client.reads).toBe(1);
    await secret.put("token-new", T0 + 62 * MINUTE);
    time.advance(1);
    expect(await client.getToken()).toBe("token-new");
    expect(client.reads).toBe(2);
  });

  it("refuses an expired token with an error that points at the token manager", async () => {
    const { id } = await tokenSecret("token-old", T0 - 1);
    const client = new SecretTokenClient({ secretsManager: secrets, secretId: id, now: clock().now });
    await expect(client.getToken()).rejects.toThrow(TokenUnavailableError);
    await expect(client.getToken()).rejects.toThrow(
      /expired at 2026-11-26T07:59:59.999Z.*TokenRefreshFailure/,
    );
    expect(client.reads).toBe(2); // errors are not cached
  });

  it("explains an empty, malformed or missing secret, and recovers once the secret is fixed", async () => {
    const empty = uniqueName("tiaa-token-empty");
    await secrets.send(new CreateSecretCommand({ Name: empty }));
    const client = new SecretTokenClient({ secretsManager: secrets, secretId: empty, now: clock().now });
    await expect(client.getToken()).rejects.toThrow(/has no current value yet.*has not stored a token/);

    await secrets.send(new PutSecretValueCommand({ SecretId: empty, SecretString: "not json" }));
    await expect(client.getToken()).rejects.toThrow(/does not hold JSON/);
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: empty,
        SecretString: JSON.stringify({ token_type: "Bearer", expires_at: "2026-11-26T09:00:00Z" }),
      }),
    );
    await expect(client.getToken()).rejects.toThrow(/has no access_token/);
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: empty,
        SecretString: JSON.stringify({ access_token: "t", expires_at: "tomorrow" }),
      }),
    );
    await expect(client.getToken()).rejects.toThrow(/no valid expires_at/);

    await secrets.send(
      new PutSecretValueCommand({
        SecretId: empty,
        SecretString: JSON.stringify({ access_token: "token-ok", expires_at: "2026-11-26T09:00:00Z" }),
      }),
    );
    expect(await client.getToken()).toBe("token-ok");

    const missing = new SecretTokenClient({
      secretsManager: secrets,
      secretId: uniqueName("never-created"),
      now: clock().now,
    });
    await expect(missing.getToken()).rejects.toThrow(/does not exist or has no current value/);
  });
});
