// The README's compatibility table is the one the end-to-end suite asserts cell by cell
// (test/e2e/support/compatibility.ts): a changed expectation cannot leave the README behind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compatibilityTable } from '../e2e/support/compatibility';

const README = path.resolve(__dirname, '../../README.md');

test("the README's client compatibility table is the suite's expectations", () => {
  const text = fs.readFileSync(README, 'utf8');
  const m = /<!-- compatibility:start -->\n([\s\S]*?)\n<!-- compatibility:end -->/.exec(text);
  expect(m).not.toBeNull();
  expect(m![1]).toBe(compatibilityTable());
});
