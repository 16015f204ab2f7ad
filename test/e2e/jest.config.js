/** The end-to-end suite: real vsftpd, curl, lftp and nftables in network namespaces (root). */
const base = require('../../jest.unit.config.js');

module.exports = {
  ...base,
  displayName: 'e2e',
  rootDir: '../..',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: undefined,
  maxWorkers: 1,
  testTimeout: 120_000,
  reporters: ['default', '<rootDir>/test/e2e/table-reporter.js'],
};
