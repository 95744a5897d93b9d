/** What a consumer of the TIAA token needs; implemented by the token client over Secrets Manager. */
export interface TokenProvider {
  /** A current bearer token (cached until shortly before it expires). */
  getToken(): Promise<string>;
  /** Called once after a 401: drops the cache and re-reads the secret. */
  refreshAfterUnauthorized(): Promise<string>;
}
