export * from './ftps-options';
export { DiagnosticIds, FtpsValidationError, throwOnErrors } from './diagnostics';
export type { Diagnostic, DiagnosticLevel } from './diagnostics';
export * from './validation';
export * from './addresses';
export * from './flows';
export * from './projections';
export * from './worksheet';
export * from './server-config';
