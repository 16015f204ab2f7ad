// `ftps-constructs/aws`: aws-cdk-lib constructs. Exports listed by name.
export { FtpsEndpoint } from './ftps-endpoint';
export {
  DEFAULT_NETWORK_ACL_RULE_LIMIT,
  DEFAULT_SECURITY_GROUP_RULE_LIMIT,
  MAX_NACL_RULE_NUMBER,
  STACK_RESOURCE_LIMIT,
} from './limits';
export type { AllowClientOptions, FtpsEndpointProps } from './ftps-endpoint';
export type { FtpsEndpointAttributes, IFtpsEndpoint } from './ftps-endpoint-attributes';
export { FtpsServer } from './ftps-server';
export type { FtpsServerProps } from './ftps-server';
export {
  TRANSFER_FAMILY_CONTROL_PORT,
  TRANSFER_FAMILY_PASSIVE_PORTS,
  TlsSessionResumptionMode,
  TransferFtpsServer,
} from './transfer-ftps-server';
export type { TransferFtpsServerProps, TransferIdentityProvider } from './transfer-ftps-server';
export { FtpsFleet } from './ftps-fleet';
export type { FtpsFleetBackend, FtpsFleetProps } from './ftps-fleet';
