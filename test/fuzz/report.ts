/** What each fuzz/soak script reports: what it tried and what failed. */
export interface FuzzReport {
  readonly name: string;
  readonly tried: string;
  readonly failures: string[];
}
