/** An object that contains itself: what `JSON.stringify` cannot handle, for props a JavaScript caller got wrong. */
export function circularObject(): object {
  const value: Record<string, unknown> = {};
  value.self = value;
  return value;
}
