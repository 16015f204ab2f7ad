#!/usr/bin/env node
// The AWS example app (cdk.json): `npx cdk synth` after `npm run build`.
import { App } from 'aws-cdk-lib';
import { FtpsExampleStack } from './aws-example-stack';

new FtpsExampleStack(new App(), 'FtpsExample');
