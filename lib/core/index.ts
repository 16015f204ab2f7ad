// The public surface of the core, by name: what users and the backends' public types rely on. Backend plumbing
// (type checks, shell quoting, caches, the boot script) is in ./internal, for this package's own code only.
export {
  FtpsTls,
  DEFAULT_CLIENT_PORTS,
  DEFAULT_EXPLICIT_CONTROL_PORT,
  DEFAULT_IMPLICIT_CONTROL_PORT,
  MAX_CONCURRENT_CLIENTS,
  SMALL_PASSIVE_RANGE,
  formatPorts,
  parsePortRange,
  portCount,
  rangeContains,
} from './ftps-options';
export type { FtpsOptions, PortRange, ResolvedFtpsOptions } from './ftps-options';
export { DiagnosticIds, FtpsValidationError, formatDiagnostic } from './diagnostics';
export type { Diagnostic, DiagnosticLevel } from './diagnostics';
export { validateOptions } from './validation';
export type { ValidationContext } from './validation';
export { planFtps } from './plan';
export { ftpsOptionsFingerprint } from './fingerprint';
export type { FtpsPlan, PlanContext } from './plan';
export {
  aggregateCidrs,
  cidrContains,
  hostOrCidr,
  isWorld,
  parseClientCidr,
  validateClientCidrs,
  withoutCoveredCidrs,
} from './addresses';
export type { AddressFamily, ClientCidr, ClientValidation, ParseCidrOptions, ParseCidrResult } from './addresses';
export { FlowKind, deriveFlows } from './flows';
export type { FtpsFlow, Side } from './flows';
export {
  FirewallKind,
  byDestination,
  clientRules,
  project,
  statefulServerRules,
  statelessClientRules,
  statelessServerRules,
} from './projections';
export type { DestinationRule, Direction, FirewallRule } from './projections';
export { buildWorksheet, renderWorksheet } from './worksheet';
export type { NeededBy, Worksheet, WorksheetFleet, WorksheetFormat, WorksheetProps, WorksheetRow } from './worksheet';
export {
  PROFTPD_MODULE_PATH,
  renderProftpdConf,
  renderPureFtpdFlags,
  renderPureFtpdService,
  renderVsftpdConf,
} from './server-config';
export type { FtpsServerSettings, ProftpdSettings, RenderContext } from './server-config';
export { FTP_DAEMONS, renderDaemonConfiguration } from './vsftpd-boot';
export type { FtpDaemon } from './vsftpd-boot';
export {
  DAEMON_NAMES,
  DEFAULT_HOLD_SECONDS,
  MAX_PASSIVE_PORTS,
  VSFTPD_BIND_TRIES,
  VSFTPD_LOSS_BOUND,
  passiveCapacity,
  portsForClients,
  predictLoss,
  sessionCap,
  sessionsCarried,
} from './capacity';
export type { LoadShape, PassiveCapacity } from './capacity';
export { AZURE_LB_MAX_RULES, MAX_FLEET_BACKENDS, NLB_MAX_LISTENERS, fleetBackendFor, planFleet } from './fleet';
export type {
  FleetBackend,
  FleetBalancer,
  FleetForward,
  FleetPlanContext,
  FtpsFleetPlan,
  FtpsFleetShape,
} from './fleet';
