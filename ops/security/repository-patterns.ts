/**
 * What counts as key material or a token in the repository (`scan-repository.ts`). Patterns are
 * built from parts so this file does not match itself.
 */
const dashes = "-".repeat(5);
/** A line break, raw or escaped inside a JSON / YAML string (`\n`, `\r\n`). */
const lineBreak = "(?:\\\\[rn]|[\\r\\n])+";
/** A whole PEM block with a real base64 body (a documentation placeholder such as "…" is not one). */
const pemBlock = (label: string) =>
  new RegExp(
    `${dashes}BEGIN ${label}${dashes}${lineBreak}(?:[A-Za-z0-9+/=]{16,}${lineBreak}){2,}[A-Za-z0-9+/=]*(?:${lineBreak})?${dashes}END`,
  );

export interface ContentPattern {
  name: string;
  pattern: RegExp;
  /** Why it must never be committed, and what to do instead. */
  fix: string;
}

export const CONTENT_PATTERNS: readonly ContentPattern[] = [
  {
    name: "private key",
    pattern: pemBlock("(?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY"),
    fix: "remove it and rotate the key; keys live in ACM or Secrets Manager (SECURITY.md), test keys are generated at run time (local/pki.ts)",
  },
  {
    name: "certificate",
    pattern: pemBlock("CERTIFICATE"),
    fix: "test certificates are generated at run time (local/pki.ts); real ones live in ACM or Secrets Manager",
  },
  {
    name: "AWS access key id",
    pattern: new RegExp(`\\b(?:AK${"IA"}|AS${"IA"})[0-9A-Z]{16}\\b`),
    fix: "remove it and deactivate the key in IAM; use roles or `aws sso login`",
  },
  {
    name: "AWS secret access key",
    pattern: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}\b/i,
    fix: "remove it and deactivate the key in IAM",
  },
  {
    name: "JSON web token",
    pattern: new RegExp(`\\bey${"J"}[A-Za-z0-9_-]{10,}\\.ey${"J"}[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}`),
    fix: "remove it; tokens live only in the token secret",
  },
  {
    name: "bearer token",
    pattern: new RegExp(`\\b${"Bearer"}\\s+[A-Za-z0-9._~+/-]{24,}=*`),
    fix: "remove it; tokens are read from the token secret at run time",
  },
  {
    name: "Salesforce session id",
    pattern: /\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{30,}/,
    fix: "remove it and revoke the session",
  },
  {
    name: "hard-coded secret value",
    pattern: new RegExp(
      `["']?(?:pass${"word"}|client_?secret|api_?key|access_?token|secret_?key)["']?\\s*[:=]\\s*["'][A-Za-z0-9/+_=.!@#$%^&*-]{20,}["']`,
      "i",
    ),
    fix: "read it from Secrets Manager (or `pulumi config set --secret`) instead of the source",
  },
];

/** File names that hold key material whatever their content. */
export const FORBIDDEN_FILE_NAMES: readonly RegExp[] = [
  /\.(?:pem|key|p12|pfx|jks|keystore)$/i,
  /(?:^|\/)id_(?:rsa|dsa|ecdsa|ed25519)$/,
  /(?:^|\/)\.env(?:\.[^/]*)?$/,
];
