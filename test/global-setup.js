// Builds dist/ once before the suite: the CLI-process and packaging tests run the built output.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async () => {
  const root = path.resolve(__dirname, '..');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  // The CDK Terrain build of the Azure constructs, derived from the one just compiled.
  execFileSync(process.execPath, [path.join(root, 'scripts/build-cdktn.js')], { cwd: root, stdio: 'inherit' });
};
