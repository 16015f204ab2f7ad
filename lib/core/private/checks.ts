// Type-first checks of props as a JavaScript (or jsii) caller can pass them: every value is checked for its type
// before its range, so a wrong type is a diagnostic naming the prop, never a TypeError from inside the library.
import { Diagnostic, DiagnosticFactory } from '../diagnostics';

/** A value described for a message, whatever it is: never throws (symbols, bigints, circular objects, proxies). */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string':
        return value.length > 80 ? `${JSON.stringify(value.slice(0, 77))}...` : JSON.stringify(value);
      case 'number':
      case 'boolean':
      case 'undefined':
        return String(value);
      case 'bigint':
        return `${value}n (a bigint)`;
      case 'symbol':
        return `${value.toString()} (a symbol)`;
      case 'function':
        return 'a function';
    }
    if (value === null) return 'null';
    if (Array.isArray(value)) return `an array of ${value.length}`;
    const proto = Object.getPrototypeOf(value);
    if (proto !== null && proto !== Object.prototype) {
      const name = (proto.constructor as { name?: unknown } | undefined)?.name;
      return typeof name === 'string' && name !== '' ? `a ${name} object` : 'an object';
    }
    const text = JSON.stringify(value);
    if (text === undefined) return 'an object';
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return 'an object that cannot be printed';
  }
}

/** How to report one prop: its factory and its fix. */
export interface Expectation {
  /** The diagnostic to make (its id). */
  readonly diagnose: DiagnosticFactory;
  /** What to do instead. */
  readonly fix: string;
}

/**
 * Collects diagnostics while checking props by type, then by value. Every method returns the value when it is
 * usable and undefined otherwise (unset, or wrong: then a diagnostic was recorded), so callers check further
 * only what is safe to read. `null` is never "unset": it is an error for every prop, with the same wording.
 */
export class PropChecker {
  public readonly found: Diagnostic[] = [];

  constructor(private readonly isUnresolved: (value: unknown) => boolean = () => false) {}

  public add(...diagnostics: Diagnostic[]): void {
    this.found.push(...diagnostics);
  }

  /** True for an unresolved deploy-time value (a CDK or CDKTF token). */
  public isToken(value: unknown): boolean {
    return (typeof value === 'string' || typeof value === 'number') && this.isUnresolved(value);
  }

  /** Records the standard "is null" or "is missing" error when `value` is null, or undefined and required. */
  private present(name: string, value: unknown, e: Expectation, required: boolean): boolean {
    if (value === null) {
      this.found.push(
        e.diagnose(
          `${name} is null; null is not "unset" here.`,
          required ? e.fix : `leave ${name} out (undefined) for its default, or ${lowerFirst(e.fix)}`,
        ),
      );
      return false;
    }
    if (value === undefined) {
      if (required) this.found.push(e.diagnose(`${name} is required.`, e.fix));
      return false;
    }
    return true;
  }

  public integer(
    name: string,
    value: unknown,
    range: { readonly min: number; readonly max: number; readonly shownMin?: number },
    e: Expectation,
    required = false,
  ): number | undefined {
    if (!this.present(name, value, e, required)) return undefined;
    // An integer in range is never a token (CDK and CDKTF encode number tokens as huge doubles): the common
    // case skips the token check, which costs more than the rest of the checks together.
    if (typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max) return value;
    if (typeof value === 'number' && this.isUnresolved(value)) {
      this.found.push(
        e.diagnose(
          `${name} is a deploy-time value (a token); it must be a number known at synth time, because rules, rule numbers, quotas and the server configuration depend on it.`,
          `pass a number (read it from context or an environment variable if it varies).`,
        ),
      );
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
      const kind = typeof value === 'number' || typeof value === 'string' ? '' : ` (${typeOf(value)})`;
      this.found.push(
        e.diagnose(
          `${name} (${describeValue(value)}${kind}) must be an integer from ${range.shownMin ?? range.min} to ${range.max}.`,
          e.fix,
        ),
      );
      return undefined;
    }
    return value;
  }

  public boolean(name: string, value: unknown, e: Expectation): boolean | undefined {
    if (!this.present(name, value, e, false)) return undefined;
    if (typeof value !== 'boolean') {
      this.found.push(e.diagnose(`${name} (${describeValue(value)}) must be true or false.`, e.fix));
      return undefined;
    }
    return value;
  }

  /** A string; tokens pass unchecked (`token: true` in the result) unless `allowToken` is false. */
  public string(
    name: string,
    value: unknown,
    e: Expectation,
    options: { readonly required?: boolean; readonly allowToken?: boolean; readonly nonEmpty?: boolean } = {},
  ): string | undefined {
    if (!this.present(name, value, e, options.required ?? false)) return undefined;
    if (typeof value !== 'string') {
      this.found.push(e.diagnose(`${name} (${describeValue(value)}) must be a string.`, e.fix));
      return undefined;
    }
    if (this.isUnresolved(value)) {
      if (options.allowToken === false) {
        this.found.push(e.diagnose(`${name} is a deploy-time value (a token); it must be known at synth time.`, e.fix));
        return undefined;
      }
      return value;
    }
    if (options.nonEmpty !== false && value.trim() === '') {
      this.found.push(e.diagnose(`${name} is empty.`, e.fix));
      return undefined;
    }
    return value;
  }

  /** A plain object (or any non-null object, with `anyObject`). */
  public object(name: string, value: unknown, e: Expectation, required = false): Record<string, unknown> | undefined {
    if (!this.present(name, value, e, required)) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.found.push(e.diagnose(`${name} (${describeValue(value)}) must be an object.`, e.fix));
      return undefined;
    }
    return value as Record<string, unknown>;
  }

  /** An array; each element is then checked by the caller. A string in place of a list gets its own hint. */
  public list(name: string, value: unknown, e: Expectation, required = false): readonly unknown[] | undefined {
    if (!this.present(name, value, e, required)) return undefined;
    if (!Array.isArray(value)) {
      const hint = typeof value === 'string' ? ` Did you mean [${describeValue(value)}] (a list of one)?` : '';
      this.found.push(e.diagnose(`${name} (${describeValue(value)}) must be a list.${hint}`, e.fix));
      return undefined;
    }
    return value;
  }

  /** A list of strings: the list, with the non-strings reported and left out. */
  public stringList(name: string, value: unknown, e: Expectation, required = false): readonly string[] | undefined {
    const list = this.list(name, value, e, required);
    if (list === undefined) return undefined;
    const out: string[] = [];
    list.forEach((item, i) => {
      const s = this.string(`${name}[${i}]`, item, e);
      if (s !== undefined) out.push(s);
      else if (item === undefined) this.found.push(e.diagnose(`${name}[${i}] is undefined.`, e.fix));
    });
    return out;
  }
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  const t = typeof value;
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Characters that end a line or a shell word: refused in anything written into a configuration line. */
export const LINE_BREAK = /[\r\n\0\u2028\u2029\u0085]/;

/** A path safe in a configuration line, a shell word and Pure-FTPd's "-2 cert,key": no space, quote, comma or newline. */
export const SAFE_PATH = /^\/[A-Za-z0-9._+@/-]*$/;
