#!/usr/bin/env node
// The AWS example app (cdk.json): `npx cdk synth` after `npm run build`.
import { App } from 'aws-cdk-lib';
import { FtpsExampleStack } from './aws-example-stack';
import { FtpsFleetExampleStack } from './aws-fleet-example-stack';
import { FtpsServerExampleStack } from './aws-server-example-stack';
import { FtpsTransferExampleStack } from './aws-transfer-example-stack';

const app = new App();
new FtpsExampleStack(app, 'FtpsExample');
new FtpsServerExampleStack(app, 'FtpsServerExample');
new FtpsTransferExampleStack(app, 'FtpsTransferExample');
new FtpsFleetExampleStack(app, 'FtpsFleetExample');
