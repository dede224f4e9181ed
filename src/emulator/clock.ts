/** The emulator's own time: starts at a given instant (or now) and moves only when told to. */
export class EmulatorClock {
  private offsetMs = 0;
  private readonly frozenAt: number | undefined;

  constructor(start?: Date) {
    this.frozenAt = start?.getTime();
  }

  now(): Date {
    return new Date((this.frozenAt ?? Date.now()) + this.offsetMs);
  }

  advance(ms: number): Date {
    this.offsetMs += ms;
    return this.now();
  }
}
