// `ftps-constructs/azure`: CDK for Terraform (azurerm) constructs. Kept thin: everything FTPS comes from the
// core, so a move from cdktf to its community fork changes only the imports here.
export * from './ftps-endpoint';
export * from './ftps-client-rules';
export { MAX_PRIORITY, MIN_PRIORITY } from './private/nsg-rule-set';
export type { NsgRuleSetProps, ReservedNsgRule } from './private/nsg-rule-set';
export * from './ftps-server';
