export type Fault = 'unavailable' | 'drop' | undefined;

/**
 * Seeded fault injection: the same seed gives the same sequence of faults, so a failure seen once can be
 * replayed. Half the faults are 503 answers, half are connections dropped without an answer.
 */
export class FaultInjector {
  private state: number;

  public constructor(private readonly rate: number, seed: number) {
    if (!(rate >= 0 && rate <= 1)) throw new Error(`--fault-rate must be between 0 and 1, got ${rate}`);
    this.state = seed >>> 0;
  }

  public next(): Fault {
    if (this.rate === 0) return undefined;
    const roll = this.random();
    if (roll >= this.rate) return undefined;
    return roll < this.rate / 2 ? 'unavailable' : 'drop';
  }

  /** mulberry32: small, fast, and good enough to spread faults evenly. */
  private random(): number {
    this.state = (this.state + 0x6d_2b_79_f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
}
