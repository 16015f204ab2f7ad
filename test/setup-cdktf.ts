// cdktf's jest matchers (toHaveResourceWithProperties, ...), for the Azure tests.
import 'cdktf/lib/testing/adapters/jest';
import { Testing } from 'cdktf';

Testing.setupJest();

// The Azure constructs print their warnings at synth on Node's warning channel (a user running `node app.js` sees
// them); in this suite they are asserted from annotations, and the printing itself by a test that runs an app in
// a child process (test/azure/cross-stack.test.ts). Drop them here so the test output stays readable.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = ((warning: unknown, options?: unknown, ...rest: unknown[]) => {
  const type = typeof options === 'string' ? options : (options as { type?: string } | undefined)?.type;
  if (type === 'FtpsWarning') return;
  emitWarning(warning, options, ...rest);
}) as typeof process.emitWarning;
