/**
 * Spark settings for reading Iceberg tables through the Glue Data Catalog as `glue_catalog.db.table`.
 * Glue 5.0 takes catalog settings only as `--conf` job arguments (they are static). The warehouse is
 * where new tables would go; the job only reads, so the table's own location (or any location it may
 * name) will do. With Lake Formation, the catalog asks Lake Formation for the table's credentials
 * (full-table access; the settings of https://docs.aws.amazon.com/glue/latest/dg/security-access-control-fta.html),
 * and names its account and region, as every example on that page does.
 */
import * as pulumi from "@pulumi/pulumi";
import type { GlueTableAccess } from "./glue-job-config.js";

/** Spark catalog name the job's table is read through. */
export const CATALOG = "glue_catalog";

/** The `--conf` chain of the job's Iceberg catalog. */
export function icebergCatalogConf(
  defaultWarehouse: pulumi.Input<string>,
  access: GlueTableAccess,
  where: { accountId: pulumi.Input<string>; region: string },
): pulumi.Output<string> {
  const warehouse = access.mode === "s3" ? access.location : defaultWarehouse;
  const settings: pulumi.Input<string>[] = [
    "spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
    `spark.sql.catalog.${CATALOG}=org.apache.iceberg.spark.SparkCatalog`,
    `spark.sql.catalog.${CATALOG}.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog`,
    `spark.sql.catalog.${CATALOG}.io-impl=org.apache.iceberg.aws.s3.S3FileIO`,
    pulumi.interpolate`spark.sql.catalog.${CATALOG}.warehouse=${warehouse}`,
  ];
  if (access.mode === "lake-formation") {
    settings.push(
      `spark.sql.catalog.${CATALOG}.glue.lakeformation-enabled=true`,
      pulumi.interpolate`spark.sql.catalog.${CATALOG}.glue.account-id=${where.accountId}`,
      `spark.sql.catalog.${CATALOG}.client.region=${where.region}`,
      "spark.hadoop.fs.s3.credentialsResolverClass=com.amazonaws.glue.accesscontrol.AWSLakeFormationCredentialResolver",
      "spark.hadoop.fs.s3.useDirectoryHeaderAsFolderObject=true",
      "spark.hadoop.fs.s3.folderObject.autoAction.disabled=true",
    );
  }
  return pulumi.all(settings).apply((parts) => parts.join(" --conf "));
}
