// Snapshots of the cdktn run of the Azure tests, beside the cdktf ones: test/azure/__snapshots_cdktn__/.
const path = require('node:path');

module.exports = {
  resolveSnapshotPath: (testPath, ext) =>
    path.join(path.dirname(testPath), '__snapshots_cdktn__', path.basename(testPath) + ext),
  resolveTestPath: (snapshotPath, ext) =>
    path.join(path.dirname(path.dirname(snapshotPath)), path.basename(snapshotPath, ext)),
  testPathForConsistencyCheck: path.join('test', 'azure', 'example.test.ts'),
};
