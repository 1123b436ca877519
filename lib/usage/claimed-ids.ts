// The event ids this process claimed lately, as a Bloom filter: a hint for the
// store, never the rule. An id it surely never claimed is claimed with a plain
// INSERT, which costs PostgreSQL less than INSERT … ON CONFLICT DO NOTHING (a
// speculative insertion: 12.3 µs an event for the store statement against
// 10.6). When the hint is wrong (the id came through another process, or
// before a restart) the unique index refuses the statement, it changes
// nothing, and the batch is stored again with every id checked (the rows it
// wrote before the refusal are left dead for vacuum). When more than a tenth
// of batches lately were refused, every id is checked until that falls. The
// filter may answer "maybe" for an id it never saw (about 1% a generation when
// full, so up to 2% with two); it never answers "no" for one it saw lately.

/** fmix32 of MurmurHash3: spreads every input bit over the output. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Two independent 32-bit hashes of (orgId, id), written to `hashes`. */
const hashes = new Uint32Array(2);
function hash(orgId: string, id: string) {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (const text of [orgId, id]) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    // A separator, so that ("ab", "c") and ("a", "bc") differ.
    a = Math.imul(a ^ 0x100, 0x01000193);
    b = Math.imul(b ^ 0x100, 0x5bd1e995);
  }
  hashes[0] = mix(a);
  hashes[1] = mix(b) | 1; // odd: the probes then visit distinct bits
}

/**
 * A Bloom filter in generations: when one holds `generationKeys` keys a new
 * one starts, and the one before it is kept, so the last one to two
 * generations are remembered.
 */
export class RecentClaims {
  private current: Uint32Array;
  private previous: Uint32Array | null = null;
  private keys = 0;
  private readonly mask: number;

  /** Defaults: 2^25 bits (4 MiB) and 7 probes a generation of 3.5 million keys: about 1% false "maybe" when full. */
  constructor(
    private readonly generationKeys = 3_500_000,
    private readonly bitsLog2 = 25,
    private readonly probes = 7,
  ) {
    this.mask = (1 << bitsLog2) - 1;
    this.current = this.generation();
  }

  private generation() {
    return new Uint32Array(1 << (this.bitsLog2 - 5));
  }

  private holds(bits: Uint32Array): boolean {
    for (let i = 0; i < this.probes; i++) {
      const bit = (hashes[0]! + Math.imul(i, hashes[1]!)) & this.mask;
      if (!(bits[bit >>> 5]! & (1 << (bit & 31)))) return false;
    }
    return true;
  }

  /** Whether (orgId, id) may have been remembered lately: false means it surely was not. */
  mayHave(orgId: string, id: string): boolean {
    hash(orgId, id);
    return this.holds(this.current) || (this.previous !== null && this.holds(this.previous));
  }

  /** Remembers (orgId, id), and answers as `mayHave` would have just before. */
  remember(orgId: string, id: string): boolean {
    if (this.keys >= this.generationKeys) {
      this.previous = this.current;
      this.current = this.generation();
      this.keys = 0;
    }
    hash(orgId, id);
    let had = true;
    for (let i = 0; i < this.probes; i++) {
      const bit = (hashes[0]! + Math.imul(i, hashes[1]!)) & this.mask;
      const word = this.current[bit >>> 5]!;
      if (!(word & (1 << (bit & 31)))) {
        had = false;
        this.current[bit >>> 5] = word | (1 << (bit & 31));
      }
    }
    this.keys++;
    return had || (this.previous !== null && this.holds(this.previous));
  }
}

let claims = new RecentClaims();
/**
 * The share of batches lately (a moving average over every batch stored)
 * whose plain claims were refused: an id this process did not know was
 * claimed elsewhere.
 */
let refusedShare = 0;

/**
 * Notes that this process claims (orgId, id), before its statement runs (so a
 * batch sent meanwhile with the same id checks it), and answers whether it
 * may have claimed it before: false means it surely did not.
 */
export const claimAndTellIfSeen = (orgId: string, id: string) => claims.remember(orgId, id);

/** Above a tenth refused, every id is checked until the share falls again: a refused statement costs more than plain claims save. */
export const claimHintsWorthUsing = () => refusedShare < 0.1;

/** After each batch stored: whether its plain claims were refused. */
export function noteClaimOutcome(refused: boolean) {
  refusedShare = refusedShare * 0.98 + (refused ? 0.02 : 0);
}

/** Tests: forget every claim, and the refusals unless told to keep them, as a new process would. */
export function forgetClaimedIds({ keepRefusals = false } = {}) {
  claims = new RecentClaims();
  if (!keepRefusals) refusedShare = 0;
}
