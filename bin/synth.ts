#!/usr/bin/env node
// `npm run synth`: the main job on the built-in example. Prints the seed worksheet, then synthesizes the
// AWS example stack into cdk.out/ (in-process, like `cdk synth`, with no network and no credentials) and
// the Azure example stack into cdktf.out/ (CDK for Terraform, no CLI needed).
// Exits non-zero if the example draws any warning or validation finding.
import { App } from 'aws-cdk-lib';
import { App as TerraformApp } from 'cdktf';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildWorksheet, renderWorksheet } from '../lib/core';
import { FtpsExampleStack } from './aws-example-stack';
import { FtpsFleetExampleStack } from './aws-fleet-example-stack';
import { FtpsServerExampleStack } from './aws-server-example-stack';
import { FtpsTransferExampleStack } from './aws-transfer-example-stack';
import { FtpsAzureExampleStack } from './azure-example-stack';
import { FtpsAzureFleetExampleStack } from './azure-fleet-example-stack';
import { FtpsAzureServerExampleStack } from './azure-server-example-stack';
import { SEED_CLIENTS, SEED_OPTIONS } from './example';

const root = path.resolve(__dirname, '..', '..');

process.stdout.write(renderWorksheet(buildWorksheet({ options: SEED_OPTIONS, clients: SEED_CLIENTS }), 'md'));

const app = new App({ outdir: path.join(root, 'cdk.out') });
const stacks = [
  new FtpsExampleStack(app, 'FtpsExample'),
  new FtpsServerExampleStack(app, 'FtpsServerExample'),
  new FtpsTransferExampleStack(app, 'FtpsTransferExample'),
  new FtpsFleetExampleStack(app, 'FtpsFleetExample'),
];
const assembly = app.synth();
// Validation reports (CloudFormation schema checks) cover the whole app.
const violations = fs
  .readdirSync(assembly.directory)
  .filter((f) => /validation-report\.json$/.test(f))
  .flatMap((f) => JSON.parse(fs.readFileSync(path.join(assembly.directory, f), 'utf8')).pluginReports ?? [])
  .flatMap((p: { violations?: unknown[] }) => p.violations ?? []);
let warningCount = 0;
process.stdout.write('\n');
for (const stack of stacks) {
  const artifact = assembly.getStackByName(stack.stackName);
  const warnings = artifact.messages.filter((m) => m.level !== 'info');
  warningCount += warnings.length;
  for (const m of warnings) process.stderr.write(`${m.level} ${m.id}: ${String(m.entry.data)}\n`);
  const resources = Object.keys(artifact.template.Resources ?? {}).length;
  process.stdout.write(
    `AWS: synthesized ${artifact.stackName} to ${path.relative(root, artifact.templateFullPath)} ` +
      `(${resources} resources, ${warnings.length} warnings)\n`,
  );
}
process.stdout.write(`AWS: ${violations.length} CloudFormation validation findings\n`);

const tfApp = new TerraformApp({ outdir: path.join(root, 'cdktf.out') });
const tfStacks = [
  new FtpsAzureExampleStack(tfApp, 'ftps-azure-example'),
  new FtpsAzureServerExampleStack(tfApp, 'ftps-azure-server-example'),
  new FtpsAzureFleetExampleStack(tfApp, 'ftps-azure-fleet-example'),
];
tfApp.synth();
let tfWarningCount = 0;
for (const tfStack of tfStacks) {
  const tfWarnings = tfStack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === '@cdktf/warn'));
  tfWarningCount += tfWarnings.length;
  for (const m of tfWarnings) process.stderr.write(`warning: ${String(m.data)}\n`);
  const id = tfStack.node.id;
  const tfJson = path.join(root, 'cdktf.out', 'stacks', id, 'cdk.tf.json');
  const tf = JSON.parse(fs.readFileSync(tfJson, 'utf8'));
  const tfResources = Object.values(tf.resource ?? {}).reduce(
    (n: number, byName) => n + Object.keys(byName as object).length,
    0,
  );
  process.stdout.write(
    `Azure: synthesized ${id} to ${path.relative(root, tfJson)} (${tfResources} resources, ${tfWarnings.length} warnings)\n`,
  );
}

if (warningCount + violations.length + tfWarningCount > 0) process.exitCode = 1;
