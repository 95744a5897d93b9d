/**
 * What a Glue publisher runs: its script and its helpers library, in a private, TLS-only,
 * KMS-encrypted, versioned assets bucket of its own. Only the helpers folder is packaged as the
 * job's extra Python library; the script is uploaded on its own.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "./project-dir.js";
import { policyDocument, type PolicyStatement } from "./iam.js";

export const GLUE_SCRIPT = "handlers/glue/event_producer_job.py";
export const GLUE_HELPERS_DIR = "handlers/glue/helpers";
/** Object keys in the assets bucket (the job role may read exactly these). */
export const SCRIPT_KEY = "scripts/event_producer_job.py";
export const HELPERS_KEY = "libs/helpers.zip";

/** Declares the assets bucket and its settings as children of `parent`; logical names are `${name}-assets…`. */
export function createAssetsBucket(
  name: string,
  bucketName: string,
  kmsKeyArn: pulumi.Input<string>,
  parent: pulumi.Resource,
): aws.s3.Bucket {
  const bucket = new aws.s3.Bucket(`${name}-assets`, { bucket: bucketName, forceDestroy: false }, { parent });
  const all = {
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  };
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-assets-public-access`,
    { bucket: bucket.id, ...all },
    { parent },
  );
  new aws.s3.BucketOwnershipControls(
    `${name}-assets-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    { parent },
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-assets-encryption`,
    {
      bucket: bucket.id,
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
          bucketKeyEnabled: true,
        },
      ],
    },
    { parent },
  );
  // Versioned so that the script of any past run can be recovered during an investigation.
  new aws.s3.BucketVersioning(
    `${name}-assets-versioning`,
    { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
    { parent },
  );
  const tlsOnly = {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
  new aws.s3.BucketPolicy(
    `${name}-assets-tls-only`,
    { bucket: bucket.id, policy: policyDocument([tlsOnly as PolicyStatement]) },
    { parent, dependsOn: [publicAccess] },
  );
  return bucket;
}

/** The script on its own, and ONLY the helpers folder as the job's extra Python library. */
export function uploadAssets(
  name: string,
  bucket: aws.s3.Bucket,
  kmsKeyArn: pulumi.Input<string>,
  parent: pulumi.Resource,
): aws.s3.BucketObjectv2[] {
  const encryption = { serverSideEncryption: "aws:kms", kmsKeyId: kmsKeyArn };
  const script = new aws.s3.BucketObjectv2(
    `${name}-script`,
    {
      bucket: bucket.id,
      key: SCRIPT_KEY,
      source: new pulumi.asset.FileAsset(join(PROJECT_DIR, GLUE_SCRIPT)),
      contentType: "text/x-python",
      ...encryption,
    },
    { parent },
  );
  const helpers = new aws.s3.BucketObjectv2(
    `${name}-helpers`,
    {
      bucket: bucket.id,
      key: HELPERS_KEY,
      source: helpersArchive(),
      contentType: "application/zip",
      ...encryption,
    },
    { parent },
  );
  return [script, helpers];
}

/**
 * The helpers folder, and only its Python sources, as `helpers/…` in a zip. Listed file by file so
 * `__pycache__` left by a local test run never changes the archive (and so the preview).
 */
export function helpersArchive(): pulumi.asset.AssetArchive {
  const dir = join(PROJECT_DIR, GLUE_HELPERS_DIR);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".py"))
    .sort();
  return new pulumi.asset.AssetArchive({
    helpers: new pulumi.asset.AssetArchive(
      Object.fromEntries(files.map((f) => [f, new pulumi.asset.FileAsset(join(dir, f))])),
    ),
  });
}
