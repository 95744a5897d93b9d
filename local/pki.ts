/**
 * A throwaway certificate authority made at run time, for the local TIAA (mutual TLS) and
 * Salesforce stand-ins and for the tests. No key material is ever written to the repository.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";

export interface PemPair {
  certificate: string;
  privateKey: string;
}

export interface CertificateAuthority extends PemPair {
  /** Issues a certificate signed by this CA. */
  issue(options: IssueOptions): PemPair;
}

export interface IssueOptions {
  commonName: string;
  /** `server` certificates get DNS/IP alternative names; `client` ones are for mutual TLS. */
  usage: "server" | "client";
  /** For servers. @default `["localhost", "127.0.0.1"]` */
  altNames?: string[];
  /** @default `1` */
  validDays?: number;
}

function newKeyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

function baseCertificate(publicPem: string, commonName: string, validDays: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicPem);
  cert.serialNumber = `01${randomBytes(8).toString("hex")}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + validDays * 86_400_000);
  cert.setSubject([
    { name: "commonName", value: commonName },
    { name: "organizationName", value: "KYC platform local" },
  ]);
  return cert;
}

/** A new CA with its own key; everything it issues is valid for a day unless told otherwise. */
export function createCertificateAuthority(commonName = "KYC platform throwaway CA"): CertificateAuthority {
  const keys = newKeyPair();
  const caKey = forge.pki.privateKeyFromPem(keys.privatePem);
  const caCert = baseCertificate(keys.publicPem, commonName, 2);
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
  ]);
  caCert.sign(caKey, forge.md.sha256.create());

  return {
    certificate: forge.pki.certificateToPem(caCert),
    privateKey: keys.privatePem,
    issue(options: IssueOptions): PemPair {
      const leafKeys = newKeyPair();
      const cert = baseCertificate(leafKeys.publicPem, options.commonName, options.validDays ?? 1);
      cert.setIssuer(caCert.subject.attributes);
      const altNames = (options.altNames ?? ["localhost", "127.0.0.1"]).map((name) =>
        /^\d+\.\d+\.\d+\.\d+$/.test(name) ? { type: 7, ip: name } : { type: 2, value: name },
      );
      cert.setExtensions([
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        options.usage === "server"
          ? { name: "extKeyUsage", serverAuth: true }
          : { name: "extKeyUsage", clientAuth: true },
        ...(options.usage === "server" ? [{ name: "subjectAltName", altNames }] : []),
      ]);
      cert.sign(caKey, forge.md.sha256.create());
      return { certificate: forge.pki.certificateToPem(cert), privateKey: leafKeys.privatePem };
    },
  };
}
