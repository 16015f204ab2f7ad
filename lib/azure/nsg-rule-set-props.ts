// The props both Azure constructs take besides their peers: where the NSG is and how rules are numbered and
// named. Public (re-exported by the entry point); the planning that reads them is in private/nsg-rule-set.ts.
import { FtpsOptions } from '../core';

/** The lowest NSG priority Azure allows (lower wins). */
export const MIN_PRIORITY = 100;
/** The highest NSG priority Azure allows. */
export const MAX_PRIORITY = 4096;

/** A rule that already exists in the NSG outside this app, so its priority is taken. */
export interface ReservedNsgRule {
  /** The rule's name, for messages. */
  readonly name: string;
  readonly priority: number;
  readonly direction: 'Inbound' | 'Outbound';
}

/** What both the server-side and the client-side constructs take, besides the FTPS options. */
export interface NsgRuleSetProps extends FtpsOptions {
  /** The resource group of the network security group. */
  readonly resourceGroupName: string;
  /**
   * Location of the network security group this construct creates. Required unless
   * `networkSecurityGroupName` names an existing one.
   * @default none
   */
  readonly location?: string;
  /**
   * Add the rules to this existing network security group instead of creating one.
   * @default a new network security group
   */
  readonly networkSecurityGroupName?: string;
  /**
   * Name of the network security group this construct creates.
   * @default `<construct id>-nsg`, lower case
   */
  readonly newNetworkSecurityGroupName?: string;
  /**
   * First priority to use in each direction (100-4096; lower wins).
   * @default 100
   */
  readonly priority?: number;
  /**
   * Step between allocated priorities, leaving room for rules of your own in between.
   * @default 10
   */
  readonly priorityStep?: number;
  /**
   * Rules that exist in the NSG outside this app: their priorities are not allocated, and a collision is an
   * error naming both rules. Rules defined in the same app are found without being listed.
   * @default none
   */
  readonly reservedRules?: ReservedNsgRule[];
  /**
   * Prefix of the rule names.
   * @default "ftps"
   */
  readonly ruleNamePrefix?: string;
  /**
   * Merge adjacent and nested CIDRs into the fewest prefixes.
   * @default true
   */
  readonly aggregateAddresses?: boolean;
  /** Associate the network security group with this subnet. @default no association */
  readonly subnetId?: string;
  /** Associate the network security group with this network interface. @default no association */
  readonly networkInterfaceId?: string;
  /**
   * Warning ids to acknowledge (cdktf annotations carry no ids, so they are filtered here), such as
   * `ftps-constructs:smallPassiveRange`.
   * @default none
   */
  readonly acknowledgeWarnings?: string[];
  /**
   * Service tags to accept besides the ones Azure documents (checked at synth so a typo fails early): for a tag
   * Azure added after this release.
   * @default none
   */
  readonly additionalServiceTags?: string[];
}
