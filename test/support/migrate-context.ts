/**
 * A `npm run migrate` context for tests: the real commands, the real offline plan (with a unique
 * prefix per test so names never collide in the shared emulator), clients of any region pointed at
 * the one moto server (moto keeps regions apart by the request's signing region), and retry timing
 * that does not sleep for real.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { EMULATOR_CREDENTIALS, startEmulator, type Emulator } from "../../local/emulator.js";
import { clientsForRegion, type RegionClients } from "../../ops/lib/aws-clients.js";
import { runSubcommand, type CliIo } from "../../ops/lib/cli.js";
import type { RetryPolicy } from "../../ops/lib/retry.js";
import { inventoryOf, type StackInventory } from "../../ops/lib/stack-inventory.js";
import { MIGRATE_TOOL, migrateCommands } from "../../ops/migrate/commands.js";
import type { MigrateContext } from "../../ops/migrate/context.js";
import type { TargetPrerequisites } from "../../ops/migrate/preflight.js";
import { stackNames } from "../../stacks/stack-files.js";
import { emulatorEndpoint } from "./emulator.js";

/** A prefix no other test uses (config `prefix` allows 12 characters). */
/** `--from sit-london --to sit`, both planned with the test's own prefix (names no other test uses). */
export function londonToIrelandArgs(prefix: string): string[] {
  return [
    "--from",
    "sit-london",
    "--to",
    "sit",
    "--from-config",
    `prefix=${prefix}`,
    "--to-config",
    `prefix=${prefix}`,
  ];
}

export function uniquePrefix(): string {
  return `mg${randomUUID().replace(/-/g, "").slice(0, 8)}`;
}

export interface CapturedIo extends CliIo {
  outText: string[];
  errText: string[];
  stdout(): string;
  stderr(): string;
}

export function captureIo(): CapturedIo {
  const outText: string[] = [];
  const errText: string[] = [];
  return {
    outText,
    errText,
    out: (t) => outText.push(t),
    err: (t) => errText.push(t),
    stdout: () => outText.join("\n"),
    stderr: () => errText.join("\n"),
  };
}

/** Sleeps that are recorded, not waited for: a backoff test checks the delays instead of timing them. */
export function recordingRetry(attempts = 12): RetryPolicy & { delays: number[] } {
  const delays: number[] = [];
  return { attempts, baseMs: 50, maxMs: 20_000, sleep: async (ms) => void delays.push(ms), delays };
}

const inventories = new Map<string, Promise<StackInventory>>();
/** Plans are deterministic for a stack and its overrides; each takes seconds, so a test file plans each once. */
export function cachedInventory(stack: string, overrides: Record<string, string>): Promise<StackInventory> {
  const key = `${stack} ${JSON.stringify(Object.entries(overrides).sort())}`;
  if (!inventories.has(key)) inventories.set(key, inventoryOf(stack, overrides));
  return inventories.get(key)!;
}

/**
 * Clients of one region on the shared test emulator, or on `endpoint` — heavy tests start their own
 * moto server, so their thousands of requests do not queue up the other test files' calls (moto
 * serves one request at a time).
 */
export function emulatorClients(region: string, endpoint = emulatorEndpoint()): RegionClients {
  return clientsForRegion(region, { endpoint, credentials: EMULATOR_CREDENTIALS });
}

/** The target's account checks, stubbed (the real ones are tested in preflight.test.ts and once below). */
export const stubbedPrerequisites: TargetPrerequisites = async (target) => [
  { name: `${target.stack} account prerequisites`, status: "pass", detail: "stubbed in this test" },
];

export function testContext(
  overrides: Partial<MigrateContext> = {},
  endpoint = emulatorEndpoint(),
): MigrateContext {
  const clients = new Map<string, RegionClients>();
  return {
    inventory: cachedInventory,
    clients: (region) => {
      if (!clients.has(region)) clients.set(region, emulatorClients(region, endpoint));
      return clients.get(region)!;
    },
    stacks: () => stackNames(),
    targetPrerequisites: stubbedPrerequisites,
    retry: recordingRetry(),
    now: () => new Date(),
    cwd: process.cwd(),
    tty: false,
    ...overrides,
  };
}

/** Runs `npm run migrate -- <argv>` in-process with this context. */
export async function migrate(
  context: MigrateContext,
  argv: string[],
): Promise<{ code: number; io: CapturedIo }> {
  const io = captureIo();
  const code = await runSubcommand(MIGRATE_TOOL, migrateCommands(context), argv, io);
  return { code, io };
}

/**
 * A moto server of the test file's own (both regions in it), started before and stopped after its
 * tests: thousands of copy requests must not queue up other test files' calls on the shared one.
 */
export function useOwnEmulator(): {
  readonly london: RegionClients;
  readonly ireland: RegionClients;
  readonly endpoint: string;
  context(overrides?: Partial<MigrateContext>): MigrateContext;
} {
  let emulator: Emulator | undefined;
  let london: RegionClients | undefined;
  let ireland: RegionClients | undefined;
  beforeAll(async () => {
    emulator = await startEmulator();
    london = emulatorClients("eu-west-2", emulator.endpoint);
    ireland = emulatorClients("eu-west-1", emulator.endpoint);
  }, 60_000);
  afterAll(() => emulator?.stop());
  return {
    get london() {
      return london!;
    },
    get ireland() {
      return ireland!;
    },
    get endpoint() {
      return emulator!.endpoint;
    },
    context: (overrides = {}) => testContext(overrides, emulator!.endpoint),
  };
}
