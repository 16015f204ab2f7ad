import { FrozenCache, ftpsOptionsKey, memoizePure, typedKey } from '../../lib/core/private/memo';

describe('typedKey', () => {
  test('values of different types never share a key', () => {
    const values = [NaN, null, undefined, 1, '1', 'number:1', true, 'true', 0, -0, '', [1], { a: 1 }];
    const keys = values.map((v) => typedKey([v]));
    // -0 and 0 print alike and behave alike as ports and limits: the one allowed collision.
    expect(new Set(keys).size).toBe(values.length - 1);
  });

  test('objects key by their content', () => {
    expect(typedKey([{ a: [1, 'x'] }])).toBe(typedKey([{ a: [1, 'x'] }]));
    expect(typedKey([{ a: [1, 'x'] }])).not.toBe(typedKey([{ a: ['1', 'x'] }]));
  });

  test('a value it cannot key safely gives no key: circular values and class instances', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    expect(typedKey([1, [circular]])).toBeUndefined();
    expect(typedKey([new Date(0)])).toBeUndefined();
    expect(typedKey([new Date(0)])).toBeUndefined();
    // The same object twice is not a cycle.
    const shared = { from: 1, to: 2 };
    expect(typedKey([shared, shared])).toBe(
      typedKey([
        { from: 1, to: 2 },
        { from: 1, to: 2 },
      ]),
    );
  });

  test('nesting and strings cannot be confused with one another', () => {
    const keys = [[['a'], 'b'], [['a', 'b']], ['a', ['b']], ['a]', 'b'], [{ a: 'b' }], [{ 'a"': 'b' }], ['a', 'b']].map(
      (v) => typedKey(v),
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('ftpsOptionsKey reads ranges as from and to only', () => {
    const plain = { passivePorts: { from: 50000, to: 50009 } };
    const extra = { passivePorts: Object.assign({ note: 'x' }, { from: 50000, to: 50009 }) };
    expect(typedKey(ftpsOptionsKey(extra))).toBe(typedKey(ftpsOptionsKey(plain)));
    expect(typedKey(ftpsOptionsKey({ passivePorts: { from: 50000, to: 50008 } }))).not.toBe(
      typedKey(ftpsOptionsKey(plain)),
    );
  });
});

describe('FrozenCache', () => {
  test('computes once per key and returns the value deep-frozen', () => {
    const cache = new FrozenCache<{ list: number[] }>();
    let calls = 0;
    const compute = () => ({ list: [++calls] });
    const a = cache.getOrCompute('k', compute);
    expect(cache.getOrCompute('k', compute)).toBe(a);
    expect(calls).toBe(1);
    expect(Object.isFrozen(a) && Object.isFrozen(a.list)).toBe(true);
  });

  test('a compute that throws caches nothing: the next call computes again', () => {
    const cache = new FrozenCache<string>();
    expect(() =>
      cache.getOrCompute('k', () => {
        throw new Error('bad props at A');
      }),
    ).toThrow('at A');
    expect(() =>
      cache.getOrCompute('k', () => {
        throw new Error('bad props at B');
      }),
    ).toThrow('at B');
    expect(cache.getOrCompute('k', () => 'ok')).toBe('ok');
  });

  test('without a key it computes every time and caches nothing, still frozen', () => {
    const cache = new FrozenCache<{ n: number }>();
    let calls = 0;
    const a = cache.getOrCompute(undefined, () => ({ n: ++calls }));
    const b = cache.getOrCompute(undefined, () => ({ n: ++calls }));
    expect([a.n, b.n]).toEqual([1, 2]);
    expect(Object.isFrozen(a)).toBe(true);
  });

  test('is bounded: past its size it starts over', () => {
    const cache = new FrozenCache<object>(2);
    const first = cache.getOrCompute('a', () => ({}));
    cache.getOrCompute('b', () => ({}));
    cache.getOrCompute('c', () => ({})); // clears a and b
    expect(cache.getOrCompute('a', () => ({}))).not.toBe(first);
  });
});

describe('memoizePure', () => {
  test('keys on every argument: changing any one of them computes again; the same ones share the frozen result', () => {
    let calls = 0;
    const f = memoizePure((a: string, list: readonly string[], flag: boolean) => {
      calls++;
      return { a, list: [...list], flag };
    });
    const first = f('x', ['1', '2'], true);
    expect(f('x', ['1', '2'], true)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.list)).toBe(true);
    expect(calls).toBe(1);
    for (const [a, list, flag] of [
      ['y', ['1', '2'], true],
      ['x', ['2', '1'], true],
      ['x', ['1'], true],
      ['x', ['1', '2'], false],
    ] as const) {
      expect(f(a, list, flag)).toEqual({ a, list, flag });
    }
    expect(calls).toBe(5);
  });

  test('a throw is not cached: the next call with the same arguments throws again', () => {
    let calls = 0;
    const f = memoizePure((n: number) => {
      calls++;
      if (n < 0) throw new Error('negative');
      return n;
    });
    expect(() => f(-1)).toThrow('negative');
    expect(() => f(-1)).toThrow('negative');
    expect(calls).toBe(2);
  });
});
