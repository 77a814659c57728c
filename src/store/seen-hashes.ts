// The visitor hashes a node has seen per local day, for exact unique visitors (SQLite) and for
// not sending PostgreSQL hashes it stored already, in
// flat typed arrays: 96 bits of each hash (12 bytes, plus a byte of occupancy) where a JS
// string in a Set took about 90 bytes, so a day of millions of visitors fits a stated budget
// (README "Memory"). The hash already covers counter and day; a counter's `epoch` is mixed in,
// so a reset counter's earlier hashes are simply never found again. Open addressing with
// linear probing; grown by half when three quarters full, never past `maxBytes`: then add()
// answers undefined and the caller asks the store instead.

/** base64url character -> its 6 bits. */
const SIXTY_FOUR = new Int8Array(128).fill(-1);
for (const [i, ch] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"].entries()) {
  SIXTY_FOUR[ch.charCodeAt(0)] = i;
}

const SLOT_BYTES = 13;
const FIRST_SLOTS = 1 << 12;

/** Reusable out-parameter: three words of a key. */
const key = new Uint32Array(3);

/** Visitor hashes are 22 base64url characters (ingest/visitor.ts). */
const HASH_LENGTH = 22;
/** Bytes a hash of another shape costs in the fallback Set, roughly. */
const OTHER_BYTES = 100;

/** 24 bits from four base64url characters at `i`; negative if one is not base64url. */
function group(hash: string, i: number): number {
  const a = SIXTY_FOUR[hash.charCodeAt(i) & 127] as number;
  const b = SIXTY_FOUR[hash.charCodeAt(i + 1) & 127] as number;
  const c = SIXTY_FOUR[hash.charCodeAt(i + 2) & 127] as number;
  const d = SIXTY_FOUR[hash.charCodeAt(i + 3) & 127] as number;
  // A character outside base64url (or above 127) maps to -1, which sets the sign bit.
  return (a | b | c | d) < 0 ? -1 : (a << 18) | (b << 12) | (c << 6) | d;
}

/**
 * The first 96 bits of a base64url visitor hash (16 of its characters), with `epoch` mixed in,
 * into `key`; false for a string of another shape, which can't be packed without losing its
 * identity. Module-level helpers, not closures: this runs for every new visitor.
 */
function toKey(hash: string, epoch: number): boolean {
  if (hash.length !== HASH_LENGTH) return false;
  const g0 = group(hash, 0);
  const g1 = group(hash, 4);
  const g2 = group(hash, 8);
  const g3 = group(hash, 12);
  if ((g0 | g1 | g2 | g3) < 0) return false;
  key[0] = (g0 | ((g1 & 0xff) << 24)) ^ Math.imul(epoch, 0x9e3779b1);
  key[1] = (g1 >>> 8) | ((g2 & 0xffff) << 16);
  key[2] = (g2 >>> 16) | (g3 << 8);
  return true;
}

export class SeenHashes {
  private words: Uint32Array;
  private used: Uint8Array;
  private slots: number;
  private count = 0;
  /** Hashes of another shape (tests, a store's callers), kept as they are. */
  private readonly others = new Set<string>();

  constructor(
    /** What this set may take at most; it shares the budget with its caller's other days. */
    private readonly budget: { used: number; max: number },
  ) {
    this.slots = FIRST_SLOTS;
    this.words = new Uint32Array(this.slots * 3);
    this.used = new Uint8Array(this.slots);
    budget.used += this.slots * SLOT_BYTES;
  }

  get size(): number {
    return this.count + this.others.size;
  }

  /** Frees this set's share of the budget (the day was dropped). */
  release(): void {
    this.budget.used -= this.slots * SLOT_BYTES + this.others.size * OTHER_BYTES;
    this.slots = 0;
  }

  has(hash: string, epoch: number): boolean {
    if (!toKey(hash, epoch)) return this.others.has(`${epoch}\u0000${hash}`);
    return this.find() >= 0;
  }

  /** Adds the hash; false if it was there, undefined if the set is full and can't grow. */
  add(hash: string, epoch: number): boolean | undefined {
    if (!toKey(hash, epoch)) {
      const k = `${epoch}\u0000${hash}`;
      if (this.others.has(k)) return false;
      if (this.budget.used + OTHER_BYTES > this.budget.max) return undefined;
      this.others.add(k);
      this.budget.used += OTHER_BYTES;
      return true;
    }
    if (this.find() >= 0) return false;
    if ((this.count + 1) * 4 > this.slots * 3 && !this.grow()) return undefined;
    this.place();
    this.count++;
    return true;
  }

  /** The slot holding `key`, or -1. */
  private find(): number {
    let i = this.home();
    for (;;) {
      if (this.used[i] === 0) return -1;
      const w = i * 3;
      if (this.words[w] === key[0] && this.words[w + 1] === key[1] && this.words[w + 2] === key[2]) return i;
      if (++i === this.slots) i = 0;
    }
  }

  private home(): number {
    const h = Math.imul((key[0] as number) ^ (key[1] as number), 0x85ebca6b) ^ (key[2] as number);
    return Math.floor(((h >>> 0) / 4294967296) * this.slots);
  }

  private place(): void {
    let i = this.home();
    while (this.used[i] !== 0) if (++i === this.slots) i = 0;
    this.used[i] = 1;
    const w = i * 3;
    this.words[w] = key[0] as number;
    this.words[w + 1] = key[1] as number;
    this.words[w + 2] = key[2] as number;
  }

  private grow(): boolean {
    const slots = Math.ceil(this.slots * 1.5);
    const extra = (slots - this.slots) * SLOT_BYTES;
    if (this.budget.used + extra > this.budget.max) return false;
    const oldWords = this.words;
    const oldUsed = this.used;
    const oldSlots = this.slots;
    this.slots = slots;
    this.words = new Uint32Array(slots * 3);
    this.used = new Uint8Array(slots);
    this.budget.used += extra;
    const saved = [key[0] as number, key[1] as number, key[2] as number];
    for (let i = 0; i < oldSlots; i++) {
      if (oldUsed[i] === 0) continue;
      key[0] = oldWords[i * 3] as number;
      key[1] = oldWords[i * 3 + 1] as number;
      key[2] = oldWords[i * 3 + 2] as number;
      this.place();
    }
    key[0] = saved[0] as number;
    key[1] = saved[1] as number;
    key[2] = saved[2] as number;
    return true;
  }
}
