/**
 * The end-to-end suite's Azure scenarios again, against CDK Terrain (cdktn): the same test file, with the
 * framework's module names mapped as the package's cdktn build rewrites them (see jest.cdktn.config.js). Run
 * with `-t Azure` (`npm run test:e2e:cdktn`): jest takes a name filter only on the command line.
 */
const base = require('./jest.config.js');
const cdktn = require('../../jest.cdktn.config.js');

module.exports = {
  ...base,
  displayName: 'e2e-cdktn',
  // The boots (boot.e2e.test.ts) prove the operating system's side of a boot script, once per CI run; the custom
  // data CDK Terrain synthesizes is pinned equal to CDK for Terraform's by the cdktn snapshot of the server.
  // The load scenarios (load.e2e.test.ts) have no Azure side: the daemons and the security group are the same.
  testPathIgnorePatterns: [
    ...(base.testPathIgnorePatterns ?? []),
    '/test/e2e/boot\\.e2e\\.test\\.ts$',
    '/test/e2e/load\\.e2e\\.test\\.ts$',
  ],
  moduleNameMapper: cdktn.moduleNameMapper,
  globals: cdktn.globals,
};
