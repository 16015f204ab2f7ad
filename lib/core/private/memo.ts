// Internal to the library (not exported from the package index): the per-props caches of the AWS and Azure
// constructs. A stack of many endpoints with the same options checks and plans once (BENCHMARKS.md).
import { FtpsOptions } from '../ftps-options';

/**
 * A cache key over `values` that keeps every value's type: NaN, null, undefined, "1" and 1 all differ (plain
 * JSON turns NaN and undefined into null, and String("21") equals String(21)), so an invalid value never meets
 * the cached result of a valid one. Arrays and plain objects are walked; functions and symbols are keyed by
 * their type and text only, so do not put them in a key. Returns undefined for a value it cannot key safely
 * (a circular one, a class instance such as a token object in place of a number): such props are not
 * cached, only checked and planned for their own construct.
 *
 * Built by hand rather than with a JSON.stringify replacer, which costs a call per value: the key is computed
 * for every construct, and with the replacer it took about 1% of a 100-endpoint Azure synth (BENCHMARKS.md).
 */
export function typedKey(values: readonly unknown[]): string | undefined {
  const parts: string[] = [];
  return keyOf(values, parts, []) ? parts.join('') : undefined;
}

function keyOf(value: unknown, parts: string[], ancestors: object[]): boolean {
  if (typeof value === 'string') {
    parts.push(JSON.stringify(value));
  } else if (typeof value !== 'object' || value === null) {
    // numbers, booleans, undefined, null, bigints; functions and symbols by their text.
    parts.push(typeof value, ':', String(value), ';');
  } else if (ancestors.includes(value)) {
    return false;
  } else if (Array.isArray(value)) {
    ancestors.push(value);
    parts.push('[');
    for (const item of value) if (!keyOf(item, parts, ancestors)) return false;
    parts.push(']');
    ancestors.pop();
  } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    ancestors.push(value);
    parts.push('{');
    for (const [k, v] of Object.entries(value)) {
      parts.push(JSON.stringify(k), '=');
      if (!keyOf(v, parts, ancestors)) return false;
    }
    parts.push('}');
    ancestors.pop();
  } else {
    return false;
  }
  return true;
}

/** Freezes a value and everything in it (plain objects and arrays), so sharing it between constructs is safe. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Results of successful checks by key, deep-frozen. Bounded: a long-lived process (a test runner, a watch
 * mode) may create endpoints with many distinct props, so past `max` entries the cache starts over.
 * Compute functions that throw cache nothing: every construct with bad props throws with its own path.
 */
export class FrozenCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly max = 256) {}

  /** The cached value for `key`, if any. */
  public peek(key: string | undefined): V | undefined {
    return key === undefined ? undefined : this.entries.get(key);
  }

  /** `key` undefined: computes and freezes, caching nothing. */
  public getOrCompute(key: string | undefined, compute: () => V): V {
    if (key === undefined) return deepFreeze(compute());
    let value = this.entries.get(key);
    if (value === undefined) {
      value = deepFreeze(compute());
      if (this.entries.size >= this.max) this.entries.clear();
      this.entries.set(key, value);
    }
    return value;
  }
}

/** The FTPS options' part of a key: every field, ranges as [from, to] whatever else the objects carry. */
export function ftpsOptionsKey(options: FtpsOptions): unknown[] {
  if (typeof options !== 'object' || options === null) return [options];
  const range = (r: { from?: unknown; to?: unknown } | undefined | null) =>
    typeof r === 'object' && r !== null ? [r.from, r.to] : r;
  return [
    options.tls,
    options.controlPort,
    range(options.passivePorts),
    options.activeMode,
    range(options.clientPorts),
    options.concurrentClients,
  ];
}

/**
 * A pure function memoized on its whole argument list (a typed key of every argument, so none can be left out of
 * the key), with results frozen and shared. For functions of plain data only; arguments the key cannot hold
 * (class instances, circular values) are computed uncached.
 */
export function memoizePure<A extends unknown[], R>(fn: (...args: A) => R, max = 256): (...args: A) => R {
  const cache = new FrozenCache<R>(max);
  return (...args: A) => cache.getOrCompute(typedKey(args), () => fn(...args));
}
