/**
 * Everything the local run starts (the emulator process, the stand-ins' servers, pollers) is
 * registered here as it starts, and stopped here in reverse order — on success, on any error and on
 * Ctrl-C — so nothing is left running or listening.
 */
export class Cleanup {
  private readonly steps: Array<{ name: string; stop: () => Promise<void> }> = [];
  private stopping: Promise<void> | undefined;

  add(name: string, stop: () => Promise<void>): void {
    this.steps.push({ name, stop });
  }

  /** Stops everything once (later calls wait for the first); a failing stop does not skip the rest. */
  stopAll(log: (line: string) => void = () => undefined): Promise<void> {
    this.stopping ??= (async () => {
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        try {
          await withTimeout(step.stop(), 10_000, step.name);
        } catch (error) {
          log(`could not stop ${step.name} cleanly: ${(error as Error).message}`);
        }
      }
    })();
    return this.stopping;
  }
}

async function withTimeout(work: Promise<void>, ms: number, name: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work,
      new Promise<void>(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`${name} did not stop within ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
