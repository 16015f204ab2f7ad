import { Diagnostic, Direction } from '../../core';
import { Diagnose } from '../../core/internal';
import { MAX_NACL_RULE_NUMBER } from '../limits';

/**
 * Network ACL rule numbers of one endpoint, per direction: from a start, by a step, never a reserved number.
 * Allocation is planned first and committed after every check passed, so a refused client takes no number.
 */
export class NaclNumbering {
  private readonly next: Record<Direction, number>;

  constructor(
    start: number,
    private readonly step: number,
    private readonly reserved: ReadonlySet<number>,
  ) {
    this.next = { inbound: start, outbound: start };
  }

  /**
   * The numbers for `wanted` entries in order (each with its direction and a description for messages), or the
   * errors if one would exceed the maximum or hit a reserved number. Changes nothing: call `commit` with the
   * result to take the numbers.
   */
  public plan(wanted: readonly { direction: Direction; what: string }[]): {
    numbers: number[];
    next: Record<Direction, number>;
    errors: Diagnostic[];
  } {
    const next = { ...this.next };
    const numbers: number[] = [];
    const errors: Diagnostic[] = [];
    for (const w of wanted) {
      const number = next[w.direction];
      next[w.direction] += this.step;
      numbers.push(number);
      if (number > MAX_NACL_RULE_NUMBER) {
        errors.push(
          Diagnose.naclRuleNumber(
            `Network ACL rule number ${number} for the ${w.direction} ${w.what} exceeds ${MAX_NACL_RULE_NUMBER}.`,
            'lower networkAclRuleNumberStart or networkAclRuleNumberStep, or merge the clients into fewer networks.',
          ),
        );
      } else if (this.reserved.has(number)) {
        errors.push(
          Diagnose.naclRuleNumber(
            `Network ACL rule number ${number} for the ${w.direction} ${w.what} collides with reserved rule number ${number} (networkAclReservedRuleNumbers).`,
            `set networkAclRuleNumberStart above your reserved numbers, e.g. ${Math.max(...this.reserved) + 1}.`,
          ),
        );
      }
    }
    return { numbers, next, errors };
  }

  public commit(next: Record<Direction, number>): void {
    this.next.inbound = next.inbound;
    this.next.outbound = next.outbound;
  }
}
