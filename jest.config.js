/**
 * `npm test`'s jest run: the unit project (every test under test/, against CDK for Terraform) and the cdktn
 * project (the Azure tests again, against CDK Terrain), in one run with one result.
 */
module.exports = {
  // Every core: jest's default (cores - 1) runs the suite in band on a 2-core machine, where the package
  // test's npm installs and tsc (child processes) would then block every other suite. 32 s -> 24 s here.
  maxWorkers: '100%',
  projects: ['<rootDir>/jest.unit.config.js', '<rootDir>/jest.cdktn.config.js'],
};
