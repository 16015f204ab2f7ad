// `ftps-constructs/azure`: CDK for Terraform (azurerm) constructs. Kept thin: everything FTPS comes from the
// core, so a move from cdktf to its community fork changes only the imports here. Exports listed by name.
export { FtpsEndpoint } from './ftps-endpoint';
export type { FtpsEndpointProps } from './ftps-endpoint';
export type { FtpsEndpointAttributes } from './ftps-endpoint-attributes';
export { FtpsClientRules } from './ftps-client-rules';
export type { FtpsClientRulesProps } from './ftps-client-rules';
export { FtpsServer } from './ftps-server';
export type { FtpsServerProps, KeyVaultCertificate, KeyVaultUsersSecret } from './ftps-server';
export { MAX_PRIORITY, MIN_PRIORITY } from './nsg-rule-set-props';
export type { NsgRuleSetProps, ReservedNsgRule } from './nsg-rule-set-props';
export { FtpsFleet } from './ftps-fleet';
export type { FtpsFleetBackend, FtpsFleetProps } from './ftps-fleet';
