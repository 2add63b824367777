/**
 * `unavailable`: a 503 before the call is served (maintenance, an overloaded pod). `drop`: the connection
 * closed before the call is served. `lost`: the call is served — a write is made — and the connection then
 * closes before the answer arrives (a proxy's timeout), so the client cannot tell whether it happened.
 */
export type Fault = 'unavailable' | 'drop' | 'lost' | undefined;

/**
 * Seeded fault injection: the same seed gives the same sequence of faults, so a failure seen once can be
 * replayed. A third of the faults each are 503 answers, connections dropped unserved, and answers lost.
 */
export class FaultInjector {
  private state: number;

  public constructor(
    private rate: number,
    seed: number,
  ) {
    if (!(rate >= 0 && rate <= 1)) throw new Error(`--fault-rate must be between 0 and 1, got ${rate}`);
    this.state = seed >>> 0;
  }

  public next(): Fault {
    if (this.rate === 0) return undefined;
    const roll = this.random();
    if (roll >= this.rate) return undefined;
    return roll < this.rate / 3 ? 'unavailable' : roll < (2 * this.rate) / 3 ? 'drop' : 'lost';
  }

  /** The outage is over (or starts): `POST /__emulator/faults {rate}`. */
  public setRate(rate: number): void {
    if (!(rate >= 0 && rate <= 1)) throw new Error(`the fault rate must be between 0 and 1, got ${rate}`);
    this.rate = rate;
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
