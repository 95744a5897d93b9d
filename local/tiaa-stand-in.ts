/**
 * A local stand-in for the TIAA auth endpoint: HTTPS on 127.0.0.1 that, like the real one, only
 * talks to clients presenting a certificate signed by the CA it trusts (mutual TLS), checks the
 * credentials of a form-encoded token request and answers with an OAuth-style token.
 *
 * Faults let the local run and the tests show what the token manager does when TIAA misbehaves.
 * Certificates come from `local/pki.ts` at run time; nothing here is key material kept on disk.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { PemPair } from "./pki.js";

/**
 * - `down`: every TCP connection is destroyed as soon as it arrives (the client sees a reset).
 * - `http500`: answers 500 (the token manager retries these).
 * - `timeout`: accepts the request and never answers.
 * - `malformed-json`: 200 with a body that is not JSON.
 * - `missing-token`: 200 with JSON that has no `access_token`.
 */
export type TiaaFault = "none" | "down" | "http500" | "timeout" | "malformed-json" | "missing-token";

export interface TiaaStandInOptions {
  /** The CA whose signature a client certificate must carry (only its certificate is used). */
  ca: Pick<PemPair, "certificate">;
  /** The server's own certificate and key (issued for `127.0.0.1`/`localhost`). */
  server: PemPair;
  expectedUsername: string;
  expectedPassword: string;
  /** `expires_in` of issued tokens. @default `3600` */
  tokenLifetimeSeconds?: number;
  /** Grant type the request must carry. @default `"password"` */
  expectedGrantType?: string;
}

export interface TiaaStandIn {
  /** Token URL, e.g. `https://127.0.0.1:41234/oauth/token`. */
  url: string;
  /** HTTP requests that got past mutual TLS (any path, any outcome). */
  readonly requests: number;
  /** TCP connections accepted (including those a fault or TLS rejected). */
  readonly connections: number;
  /** Every token handed out, newest last (so a test can compare with what was stored). */
  readonly issuedTokens: readonly string[];
  /** True for a token this stand-in issued that has not expired (what a resource server accepts). */
  isCurrent(token: string): boolean;
  /** Common name of the client certificate of the latest request that passed mutual TLS. */
  readonly lastClientCommonName: string | undefined;
  /** Switches to a fault; after `times` faulty responses/connections it goes back to `none`. */
  setFault(fault: TiaaFault, times?: number): void;
  stop(): Promise<void>;
}

const TOKEN_PATH = "/oauth/token";

export async function startTiaaStandIn(options: TiaaStandInOptions): Promise<TiaaStandIn> {
  let fault: TiaaFault = "none";
  let faultsLeft = Infinity;
  let requests = 0;
  let connections = 0;
  let lastClientCommonName: string | undefined;
  const issuedTokens: string[] = [];
  const expiresAt = new Map<string, number>();
  const lifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  const sockets = new Set<Socket>();

  /** The fault to apply now, counting it down. */
  const takeFault = (applies: (f: TiaaFault) => boolean): TiaaFault => {
    if (fault === "none" || !applies(fault)) return "none";
    const current = fault;
    faultsLeft -= 1;
    if (faultsLeft <= 0) fault = "none";
    return current;
  };

  const server: Server = createServer(
    {
      key: options.server.privateKey,
      cert: options.server.certificate,
      ca: options.ca.certificate,
      // The point of the stand-in: no trusted client certificate, no conversation.
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: "TLSv1.2",
    },
    (req, res) => {
      requests += 1;
      lastClientCommonName = commonNameOf(req.socket as TLSSocket);
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const send = (status: number, body: string, type = "application/json") => {
          res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
          res.end(body);
        };
        if (req.method !== "POST" || req.url !== TOKEN_PATH)
          return send(404, JSON.stringify({ error: "not_found" }));
        const active = takeFault((f) => f !== "down");
        if (active === "timeout") return; // hold the request open; stop() destroys the socket
        if (active === "http500") return send(500, JSON.stringify({ error: "server_error" }));

        const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
        if (form.get("grant_type") !== (options.expectedGrantType ?? "password")) {
          return send(400, JSON.stringify({ error: "unsupported_grant_type" }));
        }
        if (
          form.get("username") !== options.expectedUsername ||
          form.get("password") !== options.expectedPassword
        ) {
          return send(401, JSON.stringify({ error: "invalid_grant", error_description: "bad credentials" }));
        }
        if (active === "malformed-json") return send(200, "<html>maintenance</html>", "text/html");
        if (active === "missing-token")
          return send(200, JSON.stringify({ token_type: "Bearer", expires_in: 3600 }));

        const token = `tiaa-${randomBytes(24).toString("hex")}`;
        issuedTokens.push(token);
        expiresAt.set(token, Date.now() + lifetimeSeconds * 1000);
        send(200, JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: lifetimeSeconds }));
      });
    },
  );

  server.on("connection", (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    if (takeFault((f) => f === "down") === "down") socket.destroy();
  });
  // A rejected client certificate is the expected outcome of some runs, not a crash.
  server.on("tlsClientError", () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("TIAA stand-in did not get a port");

  return {
    url: `https://127.0.0.1:${address.port}${TOKEN_PATH}`,
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
    get issuedTokens() {
      return [...issuedTokens];
    },
    isCurrent(token: string) {
      return (expiresAt.get(token) ?? 0) > Date.now();
    },
    get lastClientCommonName() {
      return lastClientCommonName;
    },
    setFault(next: TiaaFault, times = Infinity) {
      fault = next;
      faultsLeft = times;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function commonNameOf(socket: TLSSocket): string | undefined {
  const subject = socket.getPeerCertificate?.()?.subject as { CN?: string | string[] } | undefined;
  const cn = subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}
