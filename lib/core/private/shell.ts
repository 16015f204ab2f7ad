// Quoting for values spliced into boot scripts. A value known at synth time is single-quoted; a deploy-time
// token cannot be inspected, so it travels base64-encoded by the cloud (CloudFormation Fn::Base64, Terraform
// base64encode) and is decoded on the machine into a double-quoted command substitution: whatever the token
// resolves to (quotes, semicolons, newlines), the shell sees one word and runs none of it.

/** How a backend quotes the values of a boot script. */
export interface ShellQuoting {
  /** Whether a value is (or holds) a deploy-time token. */
  readonly isUnresolved: (value: string) => boolean;
  /** The backend's deploy-time base64 of a value (`Fn.base64` in aws-cdk-lib, `Fn.base64encode` in cdktf). */
  readonly base64: (value: string) => string;
}

/** Quoting for values that are never tokens (tests, the CLI). */
export const NO_TOKENS: ShellQuoting = {
  isUnresolved: () => false,
  base64: (v) => Buffer.from(v, 'utf8').toString('base64'),
};

/** One shell word holding exactly `value`, for bash. */
export function shellWord(value: string, quoting: ShellQuoting = NO_TOKENS): string {
  if (quoting.isUnresolved(value)) {
    // The base64 alphabet (A-Z a-z 0-9 + / =) is inert inside single quotes.
    return `"$(printf %s '${quoting.base64(value)}' | base64 -d)"`;
  }
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
