// The core's internal entry point: plumbing the backends (lib/aws, lib/azure) and the CLI share, not part of the
// package's public API (the package's `exports` map does not name it).
export { Diagnose, throwOnErrors } from './diagnostics';
export type { DiagnosticFactory } from './diagnostics';
export { cidrCovers, worldOpenWarning } from './addresses';
export { checkControlPort, checkOptions, defaultControlPort, rangeWarning } from './validation';
export { PropChecker, describeValue, LINE_BREAK, SAFE_PATH } from './private/checks';
export type { Expectation } from './private/checks';
export { NO_TOKENS, shellWord } from './private/shell';
export type { ShellQuoting } from './private/shell';
export {
  BOOT_CONF_MARKERS,
  VSFTPD_CONF_MARKER,
  daemonProblems,
  renderDaemonConfiguration,
  renderVsftpdBootScript,
  sharedMountCommands,
} from './vsftpd-boot';
export type { BootCertificate, SharedMount, VsftpdBootScriptProps } from './vsftpd-boot';
export { FrozenCache, memoizePure, typedKey } from './private/memo';

/** The construct path a child `id` of `scope` will have: for errors thrown before the child is created. */
export function childPath(scope: { readonly node?: { readonly path?: string } } | undefined, id: string): string {
  const parent = scope?.node?.path;
  return parent ? `${parent}/${id}` : String(id);
}
