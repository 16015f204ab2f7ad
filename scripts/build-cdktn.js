#!/usr/bin/env node
// Derives the CDK Terrain (cdktn) build of the Azure constructs from the CDK for Terraform build, after tsc:
// dist/lib/azure -> dist/lib/azure-cdktn, with the framework's module names rewritten (`cdktf` -> `cdktn`,
// `@cdktf/provider-azurerm/...` -> `@cdktn/provider-azurerm/...`) in the JavaScript and the declarations.
// One source (lib/azure), two entry points: `ftps-constructs/azure` and `ftps-constructs/cdktn/azure`.
// The two frameworks cannot share an app (the provider bindings check the framework's own classes), so
// each entry point loads only its own. Fails if a cdktf reference is left in the output.
const fs = require('node:fs');
const path = require('node:path');

const dist = path.resolve(__dirname, '..', 'dist', 'lib');
const from = path.join(dist, 'azure');
const to = path.join(dist, 'azure-cdktn');

/** A module specifier of CDK for Terraform, in either quote style, with its subpath. */
const SPECIFIER = /(["'])(cdktf|@cdktf\/provider-azurerm)((?:\/[^"'\n]*)?)\1/g;
const RENAME = { cdktf: 'cdktn', '@cdktf/provider-azurerm': '@cdktn/provider-azurerm' };

function rewrite(text) {
  return text.replace(SPECIFIER, (_, quote, name, subpath) => `${quote}${RENAME[name]}${subpath}${quote}`);
}

function copy(dir, out) {
  fs.mkdirSync(out, { recursive: true });
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const source = path.join(dir, entry.name);
    const target = path.join(out, entry.name);
    if (entry.isDirectory()) {
      copy(source, target);
      continue;
    }
    const text = rewrite(fs.readFileSync(source, 'utf8'));
    const left = /["'](?:cdktf|@cdktf\/)/.exec(text);
    if (left) throw new Error(`build-cdktn: ${target} still refers to CDK for Terraform: ${left[0]}`);
    fs.writeFileSync(target, text);
  }
}

if (!fs.existsSync(from)) throw new Error(`build-cdktn: ${from} is missing; run tsc first`);
fs.rmSync(to, { recursive: true, force: true });
copy(from, to);
module.exports = { rewrite };
