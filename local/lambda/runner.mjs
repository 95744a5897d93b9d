// One Lambda execution environment for the local run: imports the function's bundle once (init),
// then runs one invocation at a time as Lambda's Node.js runtime does, answering over IPC. Plain
// JavaScript on purpose: it runs the deployed bundle with plain `node`, no TypeScript loader.
import { pathToFileURL } from "node:url";

const [bundlePath] = process.argv.slice(2);
// The local run is gone (killed, crashed): so is every execution environment it started.
process.on("disconnect", () => process.exit(0));
let handler;
try {
  ({ handler } = await import(pathToFileURL(bundlePath).href));
  if (typeof handler !== "function") throw new Error(`${bundlePath} exports no handler function`);
  process.send({ type: "ready" });
} catch (error) {
  process.send(
    { type: "init-error", error: { name: error?.name ?? "Error", message: error?.message ?? String(error) } },
    () => process.exit(1),
  );
}

process.on("message", async (message) => {
  if (message?.type !== "invoke") return;
  const { id, event, context: c } = message;
  const context = {
    awsRequestId: c.awsRequestId,
    functionName: c.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: c.invokedFunctionArn,
    memoryLimitInMB: String(c.memoryLimitInMB),
    logGroupName: `/aws/lambda/${c.functionName}`,
    logStreamName: c.logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, c.deadline - Date.now()),
  };
  try {
    const value = await handler(event, context);
    process.send({ type: "result", id, value: value ?? null });
  } catch (error) {
    process.send({
      type: "result",
      id,
      error: { name: error?.name ?? "Error", message: error?.message ?? String(error) },
    });
  }
});
