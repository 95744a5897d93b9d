import { describe, expect, it } from "vitest";
import { Logger, REDACTED, redact } from "../handlers/lib/logger.js";

/** A PEM header built from parts, so the repository never holds anything that looks like a key. */
const PEM_KEY_HEADER = ["-----BEGIN", "PRIVATE", "KEY-----"].join(" ");

function capture(level?: "DEBUG" | "INFO" | "WARN" | "ERROR") {
  const lines: string[] = [];
  const logger = new Logger({ service: "test", level, write: (line) => lines.push(line) });
  return { logger, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("Logger", () => {
  it("writes one JSON line per event with service, level, message and context", () => {
    const { logger, entries } = capture();
    logger.child({ correlationId: "TXN-1" }).info("case created", { salesforceId: "500x" });
    expect(entries()).toEqual([
      expect.objectContaining({
        level: "INFO",
        service: "test",
        message: "case created",
        correlationId: "TXN-1",
        salesforceId: "500x",
      }),
    ]);
  });

  it("drops events below its level", () => {
    const { logger, lines } = capture("WARN");
    logger.info("quiet");
    logger.warn("loud");
    expect(lines).toHaveLength(1);
  });

  it("never writes values under secret-bearing keys, however deep", () => {
    const { logger, lines } = capture();
    logger.error("refresh failed", {
      access_token: "eyJ.secret.token",
      request: { headers: { Authorization: "Bearer abc123" }, password: "hunter2", client_secret: "s3cr3t" },
      certificate: { privateKey: `${PEM_KEY_HEADER}xyz` },
      list: [{ refreshToken: "r-1" }],
    });
    const text = lines.join("\n");
    for (const secret of ["eyJ.secret.token", "abc123", "hunter2", "s3cr3t", PEM_KEY_HEADER, "r-1"])
      expect(text).not.toContain(secret);
    expect(text.split(REDACTED).length - 1).toBe(6);
  });

  it("keeps harmless names that merely mention a secret readable", () => {
    expect(
      redact({
        tokenUrl: "https://tiaa/token",
        secretName: "bbkyc-tiaa-token-sit",
        tokenExpiresAt: "2026-11-26T09:00:00Z",
      }),
    ).toEqual({
      tokenUrl: "https://tiaa/token",
      secretName: "bbkyc-tiaa-token-sit",
      tokenExpiresAt: "2026-11-26T09:00:00Z",
    });
  });

  it("logs errors with name, message, stack and the cause chain, and no other field of the error", () => {
    const root = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const error = Object.assign(
      new TypeError("bad input", { cause: new Error("upsert failed", { cause: root }) }),
      { $response: { body: "request data" } },
    );
    const logged = redact({ error }).error as Record<string, unknown>;

    expect(logged).toEqual({
      name: "TypeError",
      message: "bad input",
      stack: error.stack,
      cause: {
        name: "Error",
        message: "upsert failed",
        stack: expect.any(String),
        cause: { name: "Error", message: "socket hang up", stack: root.stack },
      },
    });
    expect(logged.stack).toMatch(/^TypeError: bad input\n\s+at .*logger\.test\.ts/);
  });

  it("still redacts secret-looking keys inside a non-Error cause", () => {
    const error = new Error("token request failed", { cause: { status: 401, access_token: "eyJ.leaked" } });
    expect(redact({ error }).error).toEqual(
      expect.objectContaining({ cause: { status: 401, access_token: REDACTED } }),
    );
  });
});
