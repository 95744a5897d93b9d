/**
 * The policy pack as the Pulumi engine runs it: `policy/index.ts` started the way PulumiPolicy.yaml
 * says (node --import tsx, in policy/), then asked over its gRPC analyzer interface — the calls
 * `pulumi preview --policy-pack policy` makes — about resources of the sit plan, whole and broken.
 * (No Pulumi CLI here: this is as close to a real preview as this machine gets.)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plannedResources } from "../policy/check-plan.js";
import type { PlannedResource } from "../policy/planned-resource.js";
import { stopProcess } from "../local/emulator.js";
import { planStack } from "../stacks/offline/plan.js";
import { PROJECT_DIR } from "../stacks/stack-files.js";

// The engine's own protocol stubs, from the @pulumi/pulumi the pack is served with.
const require = createRequire(import.meta.url);
const grpc = require("@grpc/grpc-js");
const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzer = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb.js", {
    paths: [require.resolve("@pulumi/pulumi")],
  }),
);

let pack: ChildProcess;
let client: any;
let resources: PlannedResource[];

beforeAll(async () => {
  resources = plannedResources((await planStack("sit")).resources);
  pack = spawn(process.execPath, ["--import", "tsx", "index.ts"], {
    cwd: join(PROJECT_DIR, "policy"),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((resolve, reject) => {
    pack.once("exit", (code) => reject(new Error(`the policy pack exited with ${code}`)));
    createInterface({ input: pack.stdout! }).once("line", resolve);
  });
  expect(port).toMatch(/^\d+$/);
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});
afterAll(async () => {
  client?.close();
  if (pack) await stopProcess(pack);
});

const urnOf = (r: PlannedResource) => `urn:pulumi:sit::kyc-platform::${r.type}::${r.name}`;
const plain = (value: unknown) => JSON.parse(JSON.stringify(value ?? {}));

function analyzerResource(kind: "AnalyzeRequest" | "AnalyzerResource", r: PlannedResource) {
  const message = new analyzer[kind]();
  message.setType(r.type);
  message.setName(r.name);
  message.setUrn(urnOf(r));
  message.setProperties(Struct.fromJavaScript(plain(r.inputs)));
  message.setOptions(new analyzer.AnalyzerResourceOptions());
  if (r.providerInputs) {
    const provider = new analyzer.AnalyzerProviderResource();
    provider.setType("pulumi:providers:aws");
    provider.setName("aws-eu-west-1");
    provider.setUrn("urn:pulumi:sit::kyc-platform::pulumi:providers:aws::aws-eu-west-1");
    provider.setProperties(Struct.fromJavaScript(plain(r.providerInputs)));
    message.setProvider(provider);
  }
  return message;
}

const call = (method: "analyze" | "analyzeStack", request: unknown) =>
  new Promise<Array<{ policy: string; message: string }>>((resolve, reject) =>
    client[method](request, (error: Error | null, response: any) =>
      error
        ? reject(error)
        : resolve(
            response
              .getDiagnosticsList()
              .map((d: any) => ({ policy: d.getPolicyname(), message: d.getMessage() })),
          ),
    ),
  );

const find = (type: string, name: string) =>
  JSON.parse(JSON.stringify(resources.find((r) => r.type === type && r.name === name)!)) as PlannedResource;

describe("the policy pack served over the analyzer protocol", () => {
  it("passes the sit stack's resources, one by one and as a stack", async () => {
    for (const r of resources.filter((x) => x.type.startsWith("aws:")))
      expect(await call("analyze", analyzerResource("AnalyzeRequest", r)), r.name).toEqual([]);
    const stack = new analyzer.AnalyzeStackRequest();
    stack.setResourcesList(resources.map((r) => analyzerResource("AnalyzerResource", r)));
    expect(await call("analyzeStack", stack)).toEqual([]);
  });

  it("reports a log group without retention and a queue without KMS, with the rules' messages", async () => {
    const logs = find("aws:cloudwatch/logGroup:LogGroup", "token-manager-logs");
    delete logs.inputs.retentionInDays;
    expect(await call("analyze", analyzerResource("AnalyzeRequest", logs))).toEqual([
      {
        policy: "log-retention-set",
        message: expect.stringContaining(
          "log group token-manager-logs keeps logs forever: set retentionInDays.",
        ),
      },
    ]);
    const queue = find("aws:sqs/queue:Queue", "audit-queue");
    delete queue.inputs.kmsMasterKeyId;
    expect(await call("analyze", analyzerResource("AnalyzeRequest", queue))).toEqual([
      {
        policy: "stores-encrypted-with-kms",
        message: expect.stringContaining("queue audit-queue is not encrypted with a KMS key"),
      },
    ]);
  });

  it("reports an asynchronously invoked function without a failure destination, from the whole stack", async () => {
    const broken = resources.filter((r) => r.name !== "cta-pipeline-producer-async-config");
    const stack = new analyzer.AnalyzeStackRequest();
    stack.setResourcesList(broken.map((r) => analyzerResource("AnalyzerResource", r)));
    expect(await call("analyzeStack", stack)).toEqual([
      {
        policy: "async-functions-have-failure-destination",
        message: expect.stringContaining("function cta-pipeline-producer-function is invoked asynchronously"),
      },
    ]);
  });
});
