/**
 * The Azure tests again, against CDK Terrain (cdktn, the maintained fork of CDK for Terraform): the same test
 * files and the same library source, with the framework's module names mapped (as the cdktn build of the
 * package rewrites them). Snapshots are kept apart (`__snapshots_cdktn__`), so any difference in the provider's
 * output shows as its own reviewed file. Part of `npm test`.
 */
const base = require('./jest.unit.config');

module.exports = {
  ...base,
  displayName: 'cdktn',
  testMatch: ['<rootDir>/test/azure/**/*.test.ts', '<rootDir>/test/fuzz/azure.fuzz.test.ts'],
  moduleNameMapper: {
    '^cdktf$': 'cdktn',
    '^cdktf/(.*)$': 'cdktn/$1',
    '^@cdktf/provider-azurerm/(.*)$': '@cdktn/provider-azurerm/$1',
  },
  // Read by test/azure/framework.test.ts: proves which framework the run loaded.
  globals: { FTPS_CDK_FRAMEWORK: 'cdktn' },
  snapshotResolver: '<rootDir>/test/cdktn-snapshot-resolver.js',
  // The unit config's global setup builds dist/ for the CLI and package tests; these need no build.
  globalSetup: undefined,
};
