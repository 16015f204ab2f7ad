import { DataAzurermNetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/data-azurerm-network-security-group';
import { NetworkInterfaceSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/network-interface-security-group-association';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { SubnetNetworkSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/subnet-network-security-group-association';
import { Annotations, Aspects, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { Diagnostic, FirewallRule, FtpsFlow, ResolvedFtpsOptions, formatDiagnostic } from '../../core';
import { childPath, Diagnose } from '../../core/internal';
import { NsgRuleSetProps } from '../nsg-rule-set-props';
import { NsgRuleSetPeers, planRuleSet } from './nsg-rule-set';
import { MAX_RULES_PER_NSG } from './peers';

/**
 * What the server-side and client-side Azure constructs share: one side's NSG rules, the NSG (created or
 * existing) and its associations, under `Rules`.
 */
export abstract class FtpsNsgConstruct extends Construct {
  /** The options with defaults applied (frozen: endpoints with the same props share them). */
  public readonly options: ResolvedFtpsOptions;
  /** The flows the rules are derived from (frozen, shared like `options`). */
  public readonly flows: readonly FtpsFlow[];
  /** The NSG's name (a reference when this construct creates it). */
  public readonly networkSecurityGroupName: string;
  /** The NSG's name as configured (never a reference to this construct's resource), for attributes. */
  protected readonly configuredNsgName: string;
  /** The rules this construct created. */
  public readonly rules: readonly NetworkSecurityRule[];
  private readonly scopeOfRules: Construct;
  private readonly nsg?: NetworkSecurityGroup;
  private readonly resourceGroupName: string;
  protected readonly configuredResourceGroupName: string;
  private existingNsg?: DataAzurermNetworkSecurityGroup;

  protected constructor(
    scope: Construct,
    id: string,
    props: NsgRuleSetProps,
    peers: NsgRuleSetPeers,
    projection: (flows: FtpsFlow[]) => FirewallRule[],
    problems: readonly Diagnostic[] = [],
  ) {
    // Every check before super(): a construct that throws is never added to the tree.
    const path = childPath(scope, id);
    const plan = planRuleSet(path, props, peers, projection, [...frameworkProblems(scope), ...problems]);
    super(scope, id);
    this.options = plan.options;
    this.flows = plan.flows;
    this.resourceGroupName = props.resourceGroupName;
    this.configuredResourceGroupName = props.resourceGroupName;
    this.scopeOfRules = new Construct(this, 'Rules');

    // Every check has passed: the resources are created here, in this constructor rather than in a helper,
    // because CDKTF records the whole call stack for every token a resource creates, and each frame between
    // the user's code and the resource costs synth time (BENCHMARKS.md).
    if (plan.newNsg) {
      this.configuredNsgName = props.newNetworkSecurityGroupName ?? `${id}-nsg`.toLowerCase();
      this.nsg = new NetworkSecurityGroup(this.scopeOfRules, 'Nsg', { ...plan.newNsg, name: this.configuredNsgName });
      this.networkSecurityGroupName = this.nsg.name;
    } else {
      this.networkSecurityGroupName = props.networkSecurityGroupName!;
      this.configuredNsgName = this.networkSecurityGroupName;
    }
    const rules: NetworkSecurityRule[] = [];
    for (const rule of plan.rules) {
      rules.push(
        new NetworkSecurityRule(this.scopeOfRules, rule.name, {
          ...rule.config,
          networkSecurityGroupName: this.networkSecurityGroupName,
        }),
      );
    }
    this.rules = rules;
    if (props.subnetId !== undefined) {
      new SubnetNetworkSecurityGroupAssociation(this.scopeOfRules, 'SubnetAssociation', {
        subnetId: props.subnetId,
        networkSecurityGroupId: this.networkSecurityGroupId,
      });
    }
    if (props.networkInterfaceId !== undefined) {
      new NetworkInterfaceSecurityGroupAssociation(this.scopeOfRules, 'NicAssociation', {
        networkInterfaceId: props.networkInterfaceId,
        networkSecurityGroupId: this.networkSecurityGroupId,
      });
    }
    for (const w of plan.warnings) Annotations.of(this).addWarning(formatDiagnostic(w));
    if (plan.warnings.length > 0) {
      // An aspect runs when the stack synthesizes; a second synth of the same app shows nothing new.
      const path = this.node.path;
      let shown = false;
      Aspects.of(this).add({
        visit: (node) => {
          if (node !== this || shown) return;
          shown = true;
          printWarnings(path, plan.warnings);
        },
      });
    }
    registerStackValidation(TerraformStack.of(this));
  }

  /** The NSG's id, for composition (for an existing NSG, read through a data source). */
  public get networkSecurityGroupId(): string {
    if (this.nsg) return this.nsg.id;
    this.existingNsg ??= new DataAzurermNetworkSecurityGroup(this.scopeOfRules, 'ExistingNsg', {
      name: this.networkSecurityGroupName,
      resourceGroupName: this.resourceGroupName,
    });
    return this.existingNsg.id;
  }
}

/**
 * Shows warnings when the app synthesizes. CDKTF keeps annotations in `manifest.json` only: the cdktf CLI prints
 * them from there, but an app run as `node app.js` (the README's way) would show nothing. So the warnings go to
 * Node's own warning channel (stderr, `(node:PID) [ftps-constructs:worldOpen] FtpsWarning: ...`, silenced by
 * `--no-warnings`), except under the cdktf CLI (which sets CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS to print
 * annotations itself), so each warning is seen once however the app runs.
 */
function printWarnings(path: string, warnings: readonly Diagnostic[]): void {
  if (process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS !== undefined) return;
  for (const w of warnings) process.emitWarning(`${path}: ${w.message}`, { type: 'FtpsWarning', code: w.id });
}

const stacksWithValidation = new WeakSet<TerraformStack>();

/**
 * One synth-time validation per stack: every NSG that holds FTPS rules has at most 1000 rules and unique
 * priorities per direction, over all rules in the app. One walk of the construct tree, not one per endpoint.
 */
function registerStackValidation(stack: TerraformStack): void {
  if (stacksWithValidation.has(stack)) return;
  stacksWithValidation.add(stack);
  stack.node.addValidation({
    validate: () => {
      const all = stack.node.root.node.findAll();
      const byNsg = new Map<string, NetworkSecurityRule[]>();
      for (const c of all) {
        if (!(c instanceof NetworkSecurityRule)) continue;
        const key = nsgKey(c);
        const list = byNsg.get(key);
        if (list) list.push(c);
        else byNsg.set(key, [c]);
      }
      const errors: string[] = [];
      const seenNsgs = new Set<string>();
      for (const set of all) {
        if (!(set instanceof FtpsNsgConstruct) || TerraformStack.of(set) !== stack) continue;
        for (const key of new Set(set.rules.map(nsgKey))) {
          if (seenNsgs.has(key)) continue; // reported once per NSG
          seenNsgs.add(key);
          errors.push(
            ...validateNsg(set.networkSecurityGroupName, byNsg.get(key) ?? []).map((e) => `[${set.node.path}] ${e}`),
          );
        }
      }
      return errors;
    },
  });
}

/** At most 1000 rules, unique priorities per direction. */
function validateNsg(name: string, rules: readonly NetworkSecurityRule[]): string[] {
  const errors: string[] = [];
  if (rules.length > MAX_RULES_PER_NSG) {
    errors.push(
      formatDiagnostic(
        Diagnose.nsgRuleLimit(
          `Network security group ${name} would hold ${rules.length} rules; Azure allows ${MAX_RULES_PER_NSG}.`,
          'merge clients into fewer networks or service tags, or spread the rules over several NSGs (subnet and NIC).',
        ),
      ),
    );
  }
  const seen = new Map<string, NetworkSecurityRule>();
  for (const r of rules) {
    const key = `${r.directionInput} ${r.priorityInput}`;
    const other = seen.get(key);
    if (other) {
      errors.push(
        formatDiagnostic(
          Diagnose.nsgPriority(
            `Network security group ${name}: ${String(r.directionInput).toLowerCase()} priority ${r.priorityInput} is used by both "${other.nameInput}" (${other.node.path}) and "${r.nameInput}" (${r.node.path}); Azure requires unique priorities per direction.`,
            'set priority (and priorityStep) so the FTPS rules avoid your own.',
          ),
        ),
      );
    }
    seen.set(key, r);
  }
  return errors;
}

/** Which NSG a rule is in: compares the inputs (the getters without "Input" return fresh attribute references). */
function nsgKey(r: NetworkSecurityRule): string {
  return `${r.resourceGroupNameInput} ${r.networkSecurityGroupNameInput}`;
}

/**
 * An error when `scope` is in a stack of another Terraform CDK than this entry point's: the two frameworks
 * recognize each other's stacks, but synthesis then fails deep inside the provider bindings.
 */
export function frameworkProblems(scope: Construct): Diagnostic[] {
  let stack: unknown;
  try {
    stack = TerraformStack.of(scope);
  } catch {
    return [
      Diagnose.wrongFramework(
        'scope is not inside a Terraform CDK stack.',
        'create the construct inside a TerraformStack of your app.',
      ),
    ];
  }
  if (stack instanceof TerraformStack) return [];
  return [
    Diagnose.wrongFramework(
      'scope is in a stack of another Terraform CDK than the one this entry point was built for (one app cannot mix CDK for Terraform and CDK Terrain, or two copies of one).',
      'import from ftps-constructs/azure in a CDK for Terraform app, from ftps-constructs/cdktn/azure in a CDK Terrain app, and keep one copy of the framework in node_modules (npm ls).',
    ),
  ];
}
