#!/usr/bin/env node
// The README a package user reads is docs/package-readme.md; the repository's README.md is for developers.
// npm always packs the root README.md, so packing swaps them: `swap` before (prepack), `restore` after
// (postpack). A swap left behind by a failed pack is restored first, never packed twice.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const readme = path.join(root, 'README.md');
const kept = path.join(root, '.README.repository.md');
const forPackage = path.join(root, 'docs', 'package-readme.md');

function restore() {
  if (fs.existsSync(kept)) fs.renameSync(kept, readme);
}

const mode = process.argv[2];
if (mode === 'swap') {
  restore();
  fs.renameSync(readme, kept);
  fs.copyFileSync(forPackage, readme);
} else if (mode === 'restore') {
  restore();
} else {
  console.error('usage: package-readme.js swap|restore');
  process.exit(2);
}
