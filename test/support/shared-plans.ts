import { FtpsFlow, ResolvedFtpsOptions } from '../../lib/core';

// Helpers for the tests of endpoints that share one plan (options, flows) because their props are equal.

/** An object that contains itself: what `JSON.stringify` cannot handle, for props a JavaScript caller got wrong. */
export function circularObject(): object {
  const value: Record<string, unknown> = {};
  value.self = value;
  return value;
}

interface PlannedEndpoint {
  readonly options: ResolvedFtpsOptions;
  readonly flows: readonly FtpsFlow[];
}

/**
 * `a` and `b` were created with the same props (the seed: control 21, passive 50000-50004): writing to the
 * options and flows of `a` throws, and `b` still has its own values.
 */
export function expectSharedPlanFrozen(a: PlannedEndpoint, b: PlannedEndpoint): void {
  expect(() => (a.flows as FtpsFlow[]).push(a.flows[0])).toThrow(TypeError);
  expect(() => ((a.options as { controlPort: number }).controlPort = 2121)).toThrow(TypeError);
  expect(() => ((a.flows[1].serverPorts as { to: number }).to = 60000)).toThrow(TypeError);
  expect(b.flows).toHaveLength(2);
  expect(b.options.controlPort).toBe(21);
  expect(b.flows[1].serverPorts).toEqual({ from: 50000, to: 50004 });
}
