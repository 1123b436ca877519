// In-memory decision cache. Entries live `ttlMs`; the whole cache is dropped
// as soon as any answer shows a newer authorization version than the one it
// was filled at (the organization's roles, grants or members changed).
import type { CheckInput, CheckResult } from "./types.js";

/** A stable key: the same check always gives the same key, whatever the property order. */
export function cacheKey(input: CheckInput): string {
  const { subject, permission, resource, context } = input;
  return JSON.stringify([subject.type, subject.id, permission, resource?.type ?? null, resource?.id ?? null, context?.ip ?? null, context?.mfa ?? null, context?.time ?? null]);
}

export class DecisionCache {
  private entries = new Map<string, { result: CheckResult; expiresAt: number }>();
  private version = -1;
  /** Bumped by clear(); answers to requests sent before a clear are not stored. */
  generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get enabled() {
    return this.ttlMs > 0;
  }

  get size() {
    return this.entries.size;
  }

  get(key: string, now = Date.now()): CheckResult | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry.result;
    this.entries.delete(key);
    return undefined;
  }

  /** Every answer's version goes through here, cached or not. */
  observe(version: number) {
    if (!Number.isFinite(version) || version <= this.version) return;
    if (this.entries.size) this.entries.clear();
    this.version = version;
  }

  set(key: string, result: CheckResult, generation: number, now = Date.now()) {
    this.observe(result.version);
    if (!this.enabled || generation !== this.generation || result.version < this.version) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { result, expiresAt: now + this.ttlMs });
  }

  clear() {
    this.entries.clear();
    this.generation++;
  }
}
