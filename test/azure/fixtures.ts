import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

export const SEED = { passivePorts: { from: 50000, to: 50004 } };
export const BASE = { resourceGroupName: 'rg-ftps', location: 'westeurope' };

type Json = Record<string, unknown>;

/** A test stack; `synth` returns the Terraform JSON string the cdktf matchers read. */
export function fixture() {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  return {
    app,
    stack,
    synth: () => Testing.synth(stack, true),
    parsed: () => JSON.parse(Testing.synth(stack, true)) as Json,
  };
}

/** The resources of one type, as synthesized, without cdktf's metadata. */
export function resourcesOf(stack: TerraformStack, type: string): Json[] {
  const json = JSON.parse(Testing.synth(stack, true)) as { resource?: Record<string, Record<string, Json>> };
  return Object.values(json.resource?.[type] ?? {}).map((r) =>
    Object.fromEntries(Object.entries(r).filter(([k]) => k !== '//')),
  );
}

/** Warning messages on the construct tree under `scope`. */
export function warningsOf(scope: Construct): string[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => String(m.data)));
}
