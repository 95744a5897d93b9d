/**
 * For the launcher's differential tests (test/moto-*speed-fixes.test.ts): starts the launcher
 * (local/moto_server.py, with its speed fixes) and moto's own `moto_server` side by side for a
 * describe block, and runs one request sequence against each, one after the other.
 */
import { afterAll, beforeAll } from "vitest";
import { startEmulator, type Emulator } from "../../local/emulator.js";

export function launcherAndPlainMoto(): <T>(
  sequence: (endpoint: string) => Promise<T>,
) => Promise<{ fromFixed: T; fromPlain: T }> {
  let fixed: Emulator | undefined;
  let plain: Emulator | undefined;
  beforeAll(async () => {
    [fixed, plain] = await Promise.all([startEmulator(), startEmulator({ plain: true })]);
  });
  afterAll(async () => {
    await Promise.all([fixed?.stop(), plain?.stop()]);
  });
  return async (sequence) => ({
    fromFixed: await sequence(fixed!.endpoint),
    fromPlain: await sequence(plain!.endpoint),
  });
}
