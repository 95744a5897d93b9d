/**
 * The repository scan (`npm run scan-repository`, ops/security/scan-repository.ts): this repository
 * is clean, and key material or tokens made at run time in a scratch repository are found, each
 * with its file and line. Runs in `npm test`, so CI fails on a committed key or token.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createCertificateAuthority } from "../local/pki.js";
import { scanMain, scanText } from "../ops/security/scan-repository.js";
import { PROJECT_DIR } from "../stacks/stack-files.js";

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

const scratch = mkdtempSync(join(tmpdir(), "scan-repository-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("npm run scan-repository", () => {
  it("finds nothing in this repository (every file git would commit)", async () => {
    const { io, out, err } = captureIo();
    const code = await scanMain(["--root", PROJECT_DIR], io);
    expect(out.filter((l) => l.startsWith("FOUND"))).toEqual([]);
    expect(code).toBe(0);
    expect(out.at(-1)).toMatch(/^repository scan: CLEAN — \d+ files/);
    expect(err[0]).toMatch(/^scanning \d+ files of /);
  });

  it("finds run-time key material and token-shaped strings in a scratch repository, with file, line and fix", async () => {
    // Arrange: material made now, never a literal in this file.
    const ca = createCertificateAuthority("scan test CA");
    const pair = ca.issue({ commonName: "scan-test", usage: "client" });
    const jwt = [
      "ey" + "J" + Buffer.from('{"alg":"RS256"}').toString("base64url"),
      "ey" + "J" + Buffer.from('{"sub":"svc-kyc"}').toString("base64url"),
      "c2lnbmF0dXJlLXBhcnQtMTIz",
    ].join(".");
    const accessKeyId = "AK" + "IA" + "Q3EGRZ7WXJ5Y2ABC";
    execFileSync("git", ["init", "-q"], { cwd: scratch });
    // As a secret's JSON would hold them (escaped line breaks), and as a raw PEM text.
    writeFileSync(
      join(scratch, "client-bundle.json"),
      JSON.stringify({ certificate: pair.certificate, privateKey: pair.privateKey }, null, 1),
    );
    writeFileSync(join(scratch, "ca.txt"), `the CA:\n${ca.certificate}`);
    writeFileSync(
      join(scratch, "notes.md"),
      `first line\ncurl -H "Authorization: Bearer ${"x".repeat(8)}${Buffer.from("a long opaque token").toString("hex")}"\n`,
    );
    writeFileSync(join(scratch, "fixture.ts"), `const token = "${jwt}";\nconst key = "${accessKeyId}";\n`);
    writeFileSync(join(scratch, "tiaa-client.pem"), "placeholder\n");
    writeFileSync(join(scratch, "ignored.pem"), "never scanned\n");
    writeFileSync(join(scratch, ".gitignore"), "ignored.pem\n");

    // Act
    const { io, out } = captureIo();
    const code = await scanMain(["--root", scratch], io);

    // Assert
    expect(code).toBe(1);
    const found = out.filter((l) => l.startsWith("FOUND")).map((l) => l.split("\n")[0]!.replace(/\s+/g, " "));
    expect(found.sort()).toEqual(
      [
        "FOUND ca.txt:2 certificate",
        "FOUND client-bundle.json:2 certificate",
        "FOUND client-bundle.json:3 private key",
        "FOUND fixture.ts:1 JSON web token",
        "FOUND fixture.ts:2 AWS access key id",
        "FOUND notes.md:2 bearer token",
        "FOUND tiaa-client.pem key or secrets file",
      ].sort(),
    );
    expect(out.join("\n")).toContain("fix: remove it and rotate the key");
    expect(out.at(-1)).toBe("repository scan: NOT CLEAN — 7 finding(s) in 5 file(s)");
  });

  it("does not mistake a documentation placeholder or a redaction test for material", () => {
    const dashes = "-".repeat(5);
    expect(
      scanText(
        "docs/certificates.md",
        `"certificate": "${dashes}BEGIN CERTIFICATE${dashes}\\n…\\n${dashes}END CERTIFICATE${dashes}\\n"`,
      ),
    ).toEqual([]);
    expect(scanText("test/logger.test.ts", `access_token: "eyJ.secret.token", password: "hunter2"`)).toEqual(
      [],
    );
    expect(
      scanText("config.ts", `const settings = { password: "Zq9-correct-${"horse-battery"}" };`).map(
        (f) => f.kind,
      ),
    ).toEqual(["hard-coded secret value"]);
  });

  it("refuses a wrong command line with exit code 2 and the fix", async () => {
    const { io, err } = captureIo();
    expect(await scanMain(["--rot", "."], io)).toBe(2);
    expect(err[0]).toMatch(/^error: unknown option --rot; this command takes --root/);
    const notRepo = mkdtempSync(join(tmpdir(), "scan-not-a-repo-"));
    const second = captureIo();
    expect(await scanMain(["--root", notRepo], second.io)).toBe(2);
    expect(second.err[0]).toMatch(/is not a git work tree; pass --root <repository>/);
    rmSync(notRepo, { recursive: true, force: true });
  });
});
