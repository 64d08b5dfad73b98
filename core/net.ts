/**
 * Every network call Stowage makes through the AWS SDK has a connect timeout, a per-request timeout and an overall
 * deadline: an endpoint that accepts a connection and never answers must end the command, not hang it.
 */
import { UserError } from "./errors.js";

/**
 * SDK client options for `timeoutMs` per connect and per request. The SDK's requestTimeout only logs a warning
 * unless throwOnRequestTimeout is set (@smithy/node-http-handler 4.x); then it fails with TimeoutError/ETIMEDOUT.
 */
export function sdkTimeouts(timeoutMs: number) {
  return { requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true } };
}

/**
 * Resolves as `work` does, or fails with a UserError naming `endpoint` after `ms`: the outer bound over retries and
 * everything else. `work` gets a signal that aborts at the deadline, for the SDK calls that take one.
 */
export async function withDeadline<T>(ms: number, endpoint: string | (() => string), work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new UserError(
          `${typeof endpoint === "string" ? endpoint : endpoint()} did not answer within ${ms} ms.`,
          "Check the endpoint, the network and that the service is running; --timeout sets how long to wait.",
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
