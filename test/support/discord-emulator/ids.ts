/** Snowflake-shaped IDs, increasing, in the range the reference examples use (900…). */
export class Snowflakes {
  #next = 900_000_000_000_001_000n;

  next(): string {
    this.#next += 1n;
    return this.#next.toString();
  }
}
