import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { Construct } from 'constructs';
import { FirewallRule, FtpsFlow, ResolvedFtpsOptions } from '../../core';
import { NsgRuleSet, NsgRuleSetPeers, NsgRuleSetProps } from './nsg-rule-set';

/** What the server-side and client-side Azure constructs share: one rule set and its outputs. */
export abstract class FtpsNsgConstruct extends Construct {
  /** The options with defaults applied. */
  public readonly options: ResolvedFtpsOptions;
  /** The flows the rules are derived from. */
  public readonly flows: readonly FtpsFlow[];
  /** The NSG's name (a reference when this construct creates it). */
  public readonly networkSecurityGroupName: string;
  /** The rules this construct created. */
  public readonly rules: readonly NetworkSecurityRule[];
  private readonly ruleSet: NsgRuleSet;

  protected constructor(
    scope: Construct,
    id: string,
    props: NsgRuleSetProps,
    peers: NsgRuleSetPeers,
    projection: (flows: FtpsFlow[]) => FirewallRule[],
  ) {
    super(scope, id);
    this.ruleSet = new NsgRuleSet(this, 'Rules', props, peers, projection);
    this.options = this.ruleSet.options;
    this.flows = this.ruleSet.flows;
    this.networkSecurityGroupName = this.ruleSet.networkSecurityGroupName;
    this.rules = this.ruleSet.rules;
  }

  /** The NSG's id, for composition (for an existing NSG, read through a data source). */
  public get networkSecurityGroupId(): string {
    return this.ruleSet.networkSecurityGroupId;
  }
}
