/**
 * What a provider's native user id (or any other text argument) may look like, checked before any
 * upstream call. Three outcomes:
 * - malformed (empty, too long, control characters, or outside the provider's documented alphabet):
 *   BAD_USER_INPUT naming the argument and what is allowed; it never travels upstream;
 * - well-formed but impossible for the provider (e.g. `.` and `..`, which a URL path would normalise
 *   away; a Voximplant id of 0): `null`, a miss like any other, with no call;
 * - otherwise the value, to look up.
 */
import { BadUserInputError, shownInput } from '../../errors.js';

export interface TextRule {
  /** What is allowed, for messages: "1 to 100 letters, digits, '_' or '-'". */
  allowed: string;
  maxLength: number;
  /** The alphabet (whole value); without it, any characters but control characters. */
  pattern?: RegExp;
}

export interface NativeIdRule extends TextRule {
  /** Well-formed ids the provider can never hold: answered null without a call. */
  impossible?(id: string): boolean;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
export const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Throws BAD_USER_INPUT unless `value` satisfies `rule`; `argument` names it (`filter.searchKey`), and
 * `label` how the message shows it (`filter.tags[2]`; the argument by default).
 */
export function checkText(rule: TextRule, value: string, argument: string, label = argument): string {
  const ok =
    value.length >= 1 &&
    value.length <= rule.maxLength &&
    !CONTROL.test(value) &&
    (rule.pattern === undefined || rule.pattern.test(value));
  if (!ok)
    throw new BadUserInputError(`"${label}" must be ${rule.allowed}; got ${shownInput(value)}.`, {
      argument,
    });
  return value;
}

/** The id to look up, or null for an id that cannot exist; throws BAD_USER_INPUT for a malformed one. */
export function checkNativeId(rule: NativeIdRule, value: string, argument: string): string | null {
  checkText(rule, value, argument);
  return rule.impossible?.(value) ? null : value;
}

/** Checks every value of a list argument, and the list's length. */
export function checkTextList(
  rule: TextRule,
  values: readonly string[],
  argument: string,
  maxItems: number,
): readonly string[] {
  if (values.length > maxItems)
    throw new BadUserInputError(`"${argument}" may hold at most ${maxItems} values; got ${values.length}.`, {
      argument,
      maximum: maxItems,
    });
  values.forEach((value, index) => checkText(rule, value, argument, `${argument}[${index}]`));
  return values;
}

/** `.` and `..` survive URL encoding and would be normalised into another path. */
export const isDotSegment = (id: string): boolean => id === '.' || id === '..';

/**
 * A free-text filter value (search text, a name part) where the provider documents no bound: rollcall's
 * bound, far above any real name.
 */
export const FILTER_TEXT: TextRule = {
  allowed: '1 to 100 characters without control characters',
  maxLength: 100,
};

/** Letters, digits, `_` and `-`. */
export const WORD = /^[A-Za-z0-9_-]+$/;
