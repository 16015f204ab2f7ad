import { Diagnostic, throwOnErrors } from './diagnostics';
import { FtpsFlow, deriveFlows } from './flows';
import { FtpsOptions, ResolvedFtpsOptions } from './ftps-options';
import { FrozenCache, ftpsOptionsKey, typedKey } from './private/memo';
import { ValidationContext, checkOptions } from './validation';

/** How a caller plans: which values are deploy-time tokens, and what to name in errors. */
export interface PlanContext extends ValidationContext {
  /**
   * Where the options come from, at the start of every error message (a construct path, "worksheet").
   * @default none
   */
  readonly context?: string;
  /**
   * More findings of the caller's own (its props, its clients), reported in the same error as the options'.
   * @default none
   */
  readonly also?: readonly Diagnostic[];
}

/** Checked FTPS options, resolved once, and the flows every projection is made from. Frozen: plans are shared. */
export interface FtpsPlan {
  /** The options with every default applied. */
  readonly options: ResolvedFtpsOptions;
  /** The TCP connections an FTPS session opens. */
  readonly flows: readonly FtpsFlow[];
  /** Warnings about the options (risky but legal); errors throw instead. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Plans by their options alone (the only input): endpoints with the same options share one, frozen. */
const plans = new FrozenCache<FtpsPlan>();

/**
 * The one entry point from options to flows, used by every caller (both clouds, the worksheet, the server
 * configurations, the server constructs, the CLI): checks the options, types first, with token ports refused;
 * resolves the defaults once; derives the flows. Throws one {@link FtpsValidationError} listing every problem of
 * the options and of `context.also`. Never creates anything, so a caller that plans before building leaves
 * nothing half-built.
 */
export function planFtps(options: FtpsOptions, context: PlanContext = {}): FtpsPlan {
  const also = context.also ?? [];
  const key = typedKey(ftpsOptionsKey(options));
  const cached = plans.peek(key);
  if (cached) {
    throwOnErrors(also, context.context);
    return cached;
  }
  const { diagnostics, resolved } = checkOptions(options, context);
  const warnings = throwOnErrors([...diagnostics, ...also], context.context);
  const plan: FtpsPlan = {
    options: resolved!,
    flows: deriveFlows(resolved!),
    diagnostics: warnings.filter((w) => diagnostics.includes(w)),
  };
  return plans.getOrCompute(key, () => plan);
}
