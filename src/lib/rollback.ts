/**
 * A stack of undo steps: register the undo right after each acquire, call `rollback()` on
 * failure (undoes in reverse order, never throws, returns the errors it met) or `commit()`
 * on success (forgets them).
 */
export class Rollback {
  readonly #steps: { what: string; undo: () => unknown }[] = [];

  /** Registers `undo` for the resource just acquired, described by `what`. */
  add(what: string, undo: () => unknown): void {
    this.#steps.push({ what, undo });
  }

  /** Forgets every registered step: the operation succeeded. */
  commit(): void {
    this.#steps.length = 0;
  }

  /** Runs every registered step in reverse order; failures are collected, not thrown. */
  async rollback(): Promise<{ what: string; error: unknown }[]> {
    const failures: { what: string; error: unknown }[] = [];
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!;
      try {
        await step.undo();
      } catch (error) {
        failures.push({ what: step.what, error });
      }
    }
    return failures;
  }
}
