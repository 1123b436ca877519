// A read-only map made of a shared base and a few changes over it, so that
// "this map with one entry more" costs the changes, not a copy of 10,000
// members. Once the changes outgrow about the square root of the base they
// are folded into a new base, so lookups stay two map reads at most.

const REMOVED = Symbol("removed");

export class LayeredMap<K, V> implements ReadonlyMap<K, V> {
  private constructor(
    private readonly base: ReadonlyMap<K, V>,
    private readonly changes: ReadonlyMap<K, V | typeof REMOVED>,
    readonly size: number,
  ) {}

  static over<K, V>(map: ReadonlyMap<K, V>): LayeredMap<K, V> {
    return map instanceof LayeredMap ? map : new LayeredMap(map, new Map(), map.size);
  }

  get(key: K): V | undefined {
    const changed = this.changes.get(key);
    if (changed === REMOVED) return undefined;
    return changed !== undefined ? changed : this.base.get(key);
  }

  has(key: K): boolean {
    const changed = this.changes.get(key);
    if (changed === REMOVED) return false;
    return changed !== undefined || this.base.has(key);
  }

  /** This map with `key` set to `value`; this one is left as it is. */
  with(key: K, value: V): LayeredMap<K, V> {
    return this.changed(key, value, this.has(key) ? this.size : this.size + 1);
  }

  /** This map without `key`; this one is left as it is. */
  without(key: K): LayeredMap<K, V> {
    return this.has(key) ? this.changed(key, REMOVED, this.size - 1) : this;
  }

  private changed(key: K, value: V | typeof REMOVED, size: number): LayeredMap<K, V> {
    const changes = new Map(this.changes).set(key, value);
    // Each change copies the changes, each fold the whole map: about √n changes between folds costs least.
    if (changes.size <= 32 + Math.sqrt(this.base.size)) return new LayeredMap(this.base, changes, size);
    const folded = new Map(this.entries());
    if (value === REMOVED) folded.delete(key);
    else folded.set(key, value);
    return new LayeredMap(folded, new Map(), folded.size);
  }

  *entries(): MapIterator<[K, V]> {
    for (const entry of this.base) if (!this.changes.has(entry[0])) yield entry;
    for (const [key, value] of this.changes) if (value !== REMOVED) yield [key, value];
  }

  *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
}
