#!/usr/bin/env node
// The Azure example app: `node dist/bin/azure-app.js` synthesizes it into cdktf.out/ (no cdktf CLI needed).
import { App } from 'cdktf';
import * as path from 'node:path';
import { FtpsAzureExampleStack } from './azure-example-stack';
import { FtpsAzureFleetExampleStack } from './azure-fleet-example-stack';
import { FtpsAzureServerExampleStack } from './azure-server-example-stack';

const app = new App({ outdir: path.resolve(__dirname, '..', '..', 'cdktf.out') });
new FtpsAzureExampleStack(app, 'ftps-azure-example');
new FtpsAzureServerExampleStack(app, 'ftps-azure-server-example');
new FtpsAzureFleetExampleStack(app, 'ftps-azure-fleet-example');
app.synth();
