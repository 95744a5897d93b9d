/**
 * The first refresh of a stack runs inside `pulumi up` (`aws.lambda.Invocation`, see
 * `components/token-manager-first-refresh.ts`), seconds after IAM attached the function's policy.
 * IAM is eventually consistent: for a short while after a change, calls the new policy allows can
 * still be refused (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency),
 * and the provider does not retry an invocation. So for that one trigger, a refresh refused with an
 * access-denied error is tried again after a pause, while time is left; any other failure, or one
 * that outlasts the window, fails the deployment with its reason as before.
 *
 * The attempts that were refused by IAM are not counted as refresh failures (they were the
 * deployment waiting for IAM, not TIAA or the configuration failing); the outcome that ends the
 * invocation is counted once, as for a scheduled refresh.
 */
import type { Sleep } from "../lib/backoff.js";
import type { Logger } from "../lib/logger.js";

/** The payload the deployment's invocation sends (`FIRST_REFRESH_INPUT`). */
export const DEPLOYMENT_TRIGGER = "pulumi-deployment";

/** Pauses between attempts while IAM catches up (ms): about 30 s in all. */
export const IAM_PROPAGATION_DELAYS_MS = [2_000, 4_000, 8_000, 16_000];

/** The whole wait, which the function's timeout leaves room for (`components/token-manager.ts`). */
export const IAM_PROPAGATION_WINDOW_SECONDS = IAM_PROPAGATION_DELAYS_MS.reduce((a, b) => a + b, 0) / 1000;

export function isDeploymentTrigger(event: unknown): boolean {
  return (
    typeof event === "object" &&
    event !== null &&
    (event as { trigger?: unknown }).trigger === DEPLOYMENT_TRIGGER
  );
}

/** AWS's refusals of a call the caller is not (yet) allowed to make, as they reach a refresh's error. */
export function isAccessDenied(error: unknown): boolean {
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  return /AccessDenied|not authorized to perform|KMSAccessDenied|is not authorized|UnrecognizedClientException/i.test(
    text,
  );
}

export interface PropagationRetryOptions {
  logger: Logger;
  sleep: Sleep;
  /** Time left in the invocation (ms). */
  remainingTimeMs: () => number;
  /** Longest one attempt can take (ms): no attempt starts without this much time left. */
  attemptBudgetMs: number;
  delaysMs?: readonly number[];
}

/**
 * Runs `attempt` until it succeeds, fails for another reason, or the window closes (no new attempt
 * starts without time for a whole one). The caller counts only the attempt that ends it.
 */
export async function retryWhileIamPropagates<T>(
  attempt: () => Promise<T>,
  options: PropagationRetryOptions,
): Promise<T> {
  const delays = options.delaysMs ?? IAM_PROPAGATION_DELAYS_MS;
  for (let i = 0; ; i++) {
    const delay = delays[i];
    const another = delay !== undefined && options.remainingTimeMs() > delay + options.attemptBudgetMs;
    try {
      return await attempt();
    } catch (error) {
      if (!another || !isAccessDenied(error)) throw error;
      options.logger.warn("first refresh refused by IAM; waiting for the new policy to propagate", {
        attempt: i + 1,
        waitMs: delay,
        error: (error as Error).message,
      });
      await options.sleep(delay);
    }
  }
}
