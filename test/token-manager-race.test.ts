/**
 * Two refreshes at once (issue #10, finding 1): with no reserved concurrency, a scheduled refresh and
 * a retry, or the deployment's first refresh and the schedule's, can run side by side. Whatever the
 * order their writes land in, the token left current is the one fetched last. Real Secrets Manager
 * calls on the moto server and the TIAA stand-in; only the moment each write is sent is controlled,
 * so both refreshes have read the secret before either writes (the window the race lives in).
 * moto serves one request at a time, so the writes are released one after the other on purpose.
 */
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { versionAfter } from "../handlers/token-manager/store-token.js";
import type { StoredToken } from "../handlers/token-manager/refresh-token.js";
import { uniqueName } from "./support/emulator.js";
import { config, run, secrets, useTokenRefreshFixture, type Run } from "./support/token-refresh-fixture.js";

useTokenRefreshFixture();

/**
 * Secrets Manager clients for two refreshes whose first PutSecretValue waits until both refreshes
 * have reached it, then goes out in `order` (each after the previous one's answer).
 */
function racingClients(order: ["older" | "newer", "older" | "newer"]) {
  const arrived = new Map<string, () => void>();
  let bothArrived!: () => void;
  const gate = new Promise<void>((resolve) => (bothArrived = resolve));
  const done = new Map<string, Promise<void>>();
  const finish = new Map<string, () => void>();
  for (const who of order) done.set(who, new Promise<void>((resolve) => finish.set(who, resolve)));
  const clientFor = (who: "older" | "newer"): Pick<SecretsManagerClient, "send"> => {
    let firstPut = true;
    return {
      send: (async (command: unknown) => {
        if (!(command instanceof PutSecretValueCommand) || !firstPut) return secrets.send(command as never);
        firstPut = false;
        arrived.set(who, () => undefined);
        if (arrived.size === 2) bothArrived();
        await gate;
        const before = order.indexOf(who) === 1 ? order[0] : undefined;
        if (before) await done.get(before);
        try {
          return await secrets.send(command);
        } finally {
          finish.get(who)!();
        }
      }) as SecretsManagerClient["send"],
    };
  };
  return { older: clientFor("older"), newer: clientFor("newer") };
}

interface Race {
  older: Run;
  newer: Run;
  /** What the race's own token secret holds afterwards. */
  current: { value: StoredToken; versionId: string | undefined };
}

async function race(order: ["older" | "newer", "older" | "newer"]): Promise<Race> {
  // A secret of its own with a token already current, so both refreshes start from the same version.
  const tokenSecretId = uniqueName("bbkyc-tiaa-token-race");
  await secrets.send(new CreateSecretCommand({ Name: tokenSecretId }));
  expect((await run(config({ tokenSecretId }))).error).toBeUndefined();
  const clients = racingClients(order);
  const t0 = Date.now() + 60_000;
  const [older, newer] = await Promise.all([
    run(config({ tokenSecretId }), { secretsManager: clients.older, now: () => new Date(t0) }),
    run(config({ tokenSecretId }), { secretsManager: clients.newer, now: () => new Date(t0 + 5_000) }),
  ]);
  const response = await secrets.send(new GetSecretValueCommand({ SecretId: tokenSecretId }));
  return {
    older,
    newer,
    current: { value: JSON.parse(response.SecretString!) as StoredToken, versionId: response.VersionId },
  };
}

describe("two refreshes at once", () => {
  it("the older token's write landing last does not replace the newer token", async () => {
    const { older, newer, current } = await race(["newer", "older"]);

    expect(newer.error).toBeUndefined();
    expect(older.error).toBeUndefined();
    expect(current.value.fetched_at).toBe(newer.result?.fetchedAt);
    expect(newer.result?.stored).toBe(true);
    expect(older.result?.stored).toBe(false);
    expect(current.versionId).toBe(newer.result?.versionId);
    // One refresh of the secret, counted once; the discarded one is not a failure either.
    expect(newer.sink.total("TokenRefreshSuccess") + older.sink.total("TokenRefreshSuccess")).toBe(1);
    expect(older.sink.total("TokenRefreshFailure")).toBe(0);
    expect(older.lines.some((l) => l.includes("a token fetched later is already current"))).toBe(true);
  });

  it("the newer token's write landing last replaces the older token", async () => {
    const { older, newer, current } = await race(["older", "newer"]);

    expect(older.result?.stored).toBe(true);
    expect(newer.result?.stored).toBe(true);
    expect(current.value.fetched_at).toBe(newer.result?.fetchedAt);
    expect(current.versionId).toBe(newer.result?.versionId);
    expect(newer.sink.total("TokenRefreshSuccess") + older.sink.total("TokenRefreshSuccess")).toBe(2);
  });

  it("rests on Secrets Manager's rule: one version id, one value (a retried identical write is idempotent)", async () => {
    expect(versionAfter("a")).toBe(versionAfter("a"));
    expect(versionAfter("a")).not.toBe(versionAfter("b"));
    expect(versionAfter(undefined)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const secretId = uniqueName("bbkyc-tiaa-token-versions");
    const { VersionId: versionId } = await secrets.send(
      new CreateSecretCommand({ Name: secretId, SecretString: "{}" }),
    );
    const body = JSON.stringify({
      access_token: "x",
      token_type: "Bearer",
      expires_at: new Date(Date.now() + 9e6).toISOString(),
      fetched_at: new Date(Date.now() + 9e6).toISOString(),
    });
    const first = await secrets.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: body,
        ClientRequestToken: versionAfter(versionId),
      }),
    );
    const again = await secrets.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: body,
        ClientRequestToken: versionAfter(versionId),
      }),
    );
    expect(again.VersionId).toBe(first.VersionId);
    await expect(
      secrets.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: `${body} `,
          ClientRequestToken: versionAfter(versionId),
        }),
      ),
    ).rejects.toMatchObject({ name: "ResourceExistsException" });
  });

  it("a role that may not read its own secret (an IAM-team role from before) still stores, and says what to grant", async () => {
    const tokenSecretId = uniqueName("bbkyc-tiaa-token-noread");
    await secrets.send(new CreateSecretCommand({ Name: tokenSecretId }));
    const denyingReads: Pick<SecretsManagerClient, "send"> = {
      send: (async (command: unknown) => {
        if (command instanceof GetSecretValueCommand && command.input.SecretId === tokenSecretId)
          throw Object.assign(new Error("not authorized to perform: secretsmanager:GetSecretValue"), {
            name: "AccessDeniedException",
          });
        return secrets.send(command as never);
      }) as SecretsManagerClient["send"],
    };
    const outcome = await run(config({ tokenSecretId }), { secretsManager: denyingReads });
    expect(outcome.error).toBeUndefined();
    expect(outcome.result?.stored).toBe(true);
    expect(outcome.sink.total("TokenRefreshSuccess")).toBe(1);
    expect(
      outcome.lines.some(
        (l) => JSON.parse(l).level === "WARN" && l.includes("secretsmanager:GetSecretValue"),
      ),
    ).toBe(true);
    const stored = await secrets.send(new GetSecretValueCommand({ SecretId: tokenSecretId }));
    expect(JSON.parse(stored.SecretString!).fetched_at).toBe(outcome.result?.fetchedAt);
  });
});
