#!/usr/bin/env node
// `npm run synth`: the main job on the built-in example. Prints the worksheet of the seed case.
import { buildWorksheet, renderWorksheet } from '../lib/core';
import { SEED_CLIENTS, SEED_OPTIONS } from './example';

process.stdout.write(renderWorksheet(buildWorksheet({ options: SEED_OPTIONS, clients: SEED_CLIENTS }), 'md'));
