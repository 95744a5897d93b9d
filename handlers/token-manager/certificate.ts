/**
 * Step 2 of a refresh: the client certificate (with its chain) and private key for mutual TLS.
 * Sources: ACM `ExportCertificate` (private-CA or exportable certificates), a Secrets Manager
 * secret with PEM fields, or a PEM file (legacy). The key is held in memory only, checked against
 * the certificate, and the certificate's validity is checked before TIAA sees it, so a broken or
 * expired certificate fails with reason `certificate` instead of an opaque TLS error.
 */
import { ExportCertificateCommand, type ExportCertificateCommandOutput } from "@aws-sdk/client-acm";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { X509Certificate, createPrivateKey, randomBytes, type KeyObject } from "node:crypto";
import { readFile as fsReadFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import type { CertificateSettings } from "./settings.js";
import type { SecretReader } from "./credentials.js";
import { TokenRefreshError } from "./errors.js";

export interface ClientCertificate {
  /** Leaf certificate followed by its chain, PEM. */
  certificatePem: string;
  /** Unencrypted PKCS#8 PEM, in memory only. */
  privateKeyPem: string;
  subject: string;
  notAfter: Date;
}

export interface CertificateExporter {
  send(command: ExportCertificateCommand): Promise<ExportCertificateCommandOutput>;
}

export interface CertificateDeps {
  acm?: CertificateExporter;
  secretsManager: SecretReader;
  /** Reads the legacy PEM file. @default `fs.readFile(path, "utf8")` */
  readFile?: (path: string) => Promise<string>;
}

export async function loadClientCertificate(
  deps: CertificateDeps,
  settings: CertificateSettings,
  now: Date,
): Promise<ClientCertificate> {
  switch (settings.source) {
    case "acm":
      return fromAcm(deps, settings.certificateArn, now);
    case "secret":
      return fromSecret(deps, settings.secretId, now);
    case "file":
      return fromFile(deps, settings.path, now);
  }
}

async function fromAcm(deps: CertificateDeps, certificateArn: string, now: Date): Promise<ClientCertificate> {
  if (!deps.acm)
    throw new TokenRefreshError("configuration", "CERTIFICATE_SOURCE is acm but no ACM client was provided.");
  const where = `ACM certificate ${certificateArn}`;
  // A fresh passphrase per call: the encrypted key ACM returns is useless to anyone who sees only
  // the response. Hex keeps it clear of the characters ACM refuses (#, $, %).
  const passphrase = randomBytes(32).toString("hex");
  let exported: ExportCertificateCommandOutput;
  try {
    exported = await deps.acm.send(
      new ExportCertificateCommand({
        CertificateArn: certificateArn,
        Passphrase: new TextEncoder().encode(passphrase),
      }),
    );
  } catch (error) {
    const name = (error as Error).name;
    const hint =
      name === "ValidationException" || name === "InvalidArgsException"
        ? " Only certificates issued by AWS Private CA or requested as exportable can be exported; imported certificates cannot (see docs/certificates.md)."
        : "";
    throw new TokenRefreshError(
      "certificate",
      `Could not export ${where}: ${name}: ${(error as Error).message}.${hint}`,
    );
  }
  if (!exported.Certificate || !exported.PrivateKey)
    throw new TokenRefreshError("certificate", `Exporting ${where} returned no certificate or key.`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: exported.PrivateKey, format: "pem", passphrase });
  } catch (error) {
    throw new TokenRefreshError(
      "certificate",
      `Could not decrypt the private key exported from ${where}: ${(error as Error).message}`,
    );
  }
  return checked(where, exported.Certificate, exported.CertificateChain, key, now);
}

async function fromSecret(deps: CertificateDeps, secretId: string, now: Date): Promise<ClientCertificate> {
  const where = `certificate secret ${secretId}`;
  let text: string | undefined;
  try {
    text = (await deps.secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    throw new TokenRefreshError(
      "certificate",
      `Could not read ${where}: ${(error as Error).name}: ${(error as Error).message}`,
    );
  }
  let value: { certificate?: unknown; privateKey?: unknown; chain?: unknown };
  try {
    value = JSON.parse(text ?? "") as typeof value;
  } catch {
    throw new TokenRefreshError(
      "certificate",
      `${where} does not hold JSON; expected {"certificate","privateKey","chain"?} in PEM.`,
    );
  }
  if (typeof value.certificate !== "string" || typeof value.privateKey !== "string") {
    throw new TokenRefreshError(
      "certificate",
      `${where} must hold "certificate" and "privateKey" as PEM strings ("chain" optional).`,
    );
  }
  const chain = typeof value.chain === "string" ? value.chain : undefined;
  return checked(where, value.certificate, chain, parseKey(where, value.privateKey), now);
}

async function fromFile(deps: CertificateDeps, path: string, now: Date): Promise<ClientCertificate> {
  // Relative paths are inside the deployed package; absolute ones may point into a layer (/opt).
  const fullPath = isAbsolute(path) ? path : join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), path);
  const where = `certificate file ${fullPath}`;
  let text: string;
  try {
    text = await (deps.readFile ?? ((p: string) => fsReadFile(p, "utf8")))(fullPath);
  } catch (error) {
    throw new TokenRefreshError(
      "certificate",
      `Could not read ${where}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const certificates = pemBlocks(text, "CERTIFICATE");
  const keyBlock =
    pemBlocks(text, "PRIVATE KEY")[0] ??
    pemBlocks(text, "RSA PRIVATE KEY")[0] ??
    pemBlocks(text, "EC PRIVATE KEY")[0];
  if (certificates.length === 0 || keyBlock === undefined) {
    throw new TokenRefreshError(
      "certificate",
      `${where} must contain a CERTIFICATE block (then its chain) and an unencrypted PRIVATE KEY block.`,
    );
  }
  return checked(
    where,
    certificates[0]!,
    certificates.slice(1).join("\n") || undefined,
    parseKey(where, keyBlock),
    now,
  );
}

function parseKey(where: string, pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch (error) {
    throw new TokenRefreshError(
      "certificate",
      `The private key in ${where} is not a usable unencrypted PEM key: ${(error as Error).message}`,
    );
  }
}

/** Parses the leaf, checks key ↔ certificate and validity dates, and returns PEMs for the TLS client. */
function checked(
  where: string,
  certificatePem: string,
  chainPem: string | undefined,
  key: KeyObject,
  now: Date,
): ClientCertificate {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(certificatePem);
  } catch (error) {
    throw new TokenRefreshError(
      "certificate",
      `The certificate in ${where} is not valid PEM: ${(error as Error).message}`,
    );
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new TokenRefreshError(
      "certificate",
      `The private key in ${where} does not belong to its certificate (${leaf.subject.replaceAll("\n", ", ")}).`,
    );
  }
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (now < notBefore || now > notAfter) {
    throw new TokenRefreshError(
      "certificate",
      `The certificate in ${where} is valid from ${notBefore.toISOString()} to ${notAfter.toISOString()}, not now; rotate it (docs/certificates.md).`,
    );
  }
  const chain = chainPem?.trim();
  return {
    certificatePem: chain ? `${certificatePem.trim()}\n${chain}\n` : `${certificatePem.trim()}\n`,
    privateKeyPem: key.export({ type: "pkcs8", format: "pem" }).toString(),
    subject: leaf.subject.replaceAll("\n", ", "),
    notAfter,
  };
}

function pemBlocks(text: string, label: string): string[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`, "g");
  return text.match(pattern) ?? [];
}
