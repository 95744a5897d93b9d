/**
 * "The same reason" for people reading failures in bulk: ids, object URIs and numbers blanked, so
 * "gave up after 3312 s" and "gave up after 3307 s" count as one. Used by the local run's summary and
 * by `npm run ops -- failed`.
 */
export function reasonGroupOf(reason: string | undefined): string {
  return (reason ?? "no reason given")
    .replace(/TXN-[\w-]+/g, "TXN-…")
    .replace(/s3:\/\/\S+/g, "s3://…")
    .replace(/\d+(\.\d+)?/g, "N")
    .slice(0, 200);
}
