/**
 * Operation limits: what one request may ask of rollcall, checked before any resolver runs.
 *
 * 1. `checkDocumentSize` (the front door, before Apollo parses anything): the number of lexical tokens
 *    and how deeply brackets nest. graphql-js parses recursively (a few thousand nested `{` overflow the
 *    stack) and some validation rules are quadratic in the number of fields, so both are bounded first,
 *    with one pass of the lexer that stops at the first limit.
 * 2. `operationLimitsPlugin` (once the operation is resolved, so variables are known): depth, aliases,
 *    root fields, cost, and introspection cost, measured by `measureOperation`.
 *
 * Cost model: every field costs 1 for each time it will be resolved. A field returning a `…Connection`
 * multiplies its selection by its `first`/`last` (or the default page size); `nodes(ids:)` and
 * `_entities(representations:)` by the length of their list. Argument values are read exactly as the
 * executor will see them (variables coerced with their defaults, argument defaults applied), and fields
 * that `@skip`/`@include` leave out cost nothing. Introspection is priced on its own budget, with its list
 * fields multiplied by their real sizes in this schema (`__Schema.types` by the number of types, and so
 * on), because it is served from memory and Sandbox and code generators need a full introspection.
 *
 * Work: linear in the document's size. A fragment is measured once per parent type and its measure
 * reused wherever it is spread (a document whose fragments each spread the next one twice is priced by
 * arithmetic, not by expanding it), and measuring stops at the first limit passed: the error's `measured`
 * is then a lower bound.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  Lexer,
  Source,
  TokenKind,
  getArgumentValues,
  getDirectiveValues,
  getIntrospectionQuery,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isCompositeType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isUnionType,
  isEnumType,
  parse,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { BadUserInputError, OperationLimitError } from './errors.js';

export interface OperationLimits {
  /** Lexical tokens in the document (checked before parsing). */
  maxTokens: number;
  /** Brackets (`{`, `(`, `[`) nested inside each other (checked before parsing). */
  maxNesting: number;
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxCost: number;
  /** Introspection budget; undefined: twice what a full introspection query costs on the schema. */
  maxIntrospectionCost?: number;
  /** Page size assumed for a connection queried without `first`/`last`. */
  defaultPageSize: number;
}

interface OperationMeasure {
  depth: number;
  aliases: number;
  rootFields: number;
  cost: number;
  introspectionCost: number;
  /** Selections the measure looked at: linear in the document's size (tests assert it). */
  visits: number;
}

type Limited = Exclude<keyof OperationMeasure, 'visits'>;
type Maxima = Record<Limited, number>;

/** The limits in the order they are reported, each with its message and variable. */
const CHECKS: { limit: Limited; variable: string; says: (value: number) => string; hint: string }[] = [
  {
    limit: 'depth',
    variable: 'ROLLCALL_MAX_DEPTH',
    says: (n) => `is at least ${n} levels deep`,
    hint: 'Select less deeply nested data.',
  },
  {
    limit: 'aliases',
    variable: 'ROLLCALL_MAX_ALIASES',
    says: (n) => `uses at least ${n} aliases`,
    hint: 'Use fewer aliases (e.g. one `nodes(ids:)` instead of aliased lookups).',
  },
  {
    limit: 'rootFields',
    variable: 'ROLLCALL_MAX_ROOT_FIELDS',
    says: (n) => `selects at least ${n} root fields`,
    hint: 'Split it into several operations.',
  },
  {
    limit: 'cost',
    variable: 'ROLLCALL_MAX_COST',
    says: (n) => `costs at least ${n} (fields × requested page sizes)`,
    hint: 'Ask for smaller pages or fewer fields.',
  },
  {
    limit: 'introspectionCost',
    variable: 'ROLLCALL_MAX_INTROSPECTION_COST',
    says: (n) => `costs at least ${n} in introspection (fields × schema sizes)`,
    hint: 'One full introspection query fits; ask for it once per operation.',
  },
];

/**
 * Arguments (or `@skip`/`@include` conditions) that do not coerce: a variable with a default, explicitly
 * sent as null where the argument is non-null. graphql-js only finds it while executing, and reports it
 * without a code (an internal error); found here, it is BAD_USER_INPUT before anything runs.
 */
class BadArgument {
  constructor(readonly error: Error) {}
}

function coerce<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new BadArgument(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Thrown inside the walk at the first limit passed; turned into the GraphQL error by the caller. */
class LimitPassed {
  constructor(
    readonly limit: Limited,
    readonly measured: number,
  ) {}
}

/** What a selection set adds, relative to where it is selected (level 1, multiplier 1). */
class Tally {
  depth = 0;
  aliases = 0;
  /** Fields directly in the set (through fragments, not below fields): root fields at the root. */
  fields = 0;
  cost = 0;
  introspectionCost = 0;

  constructor(
    private readonly maxima: Maxima,
    /** Only the operation's own tally counts root fields; a fragment's top level may be anywhere. */
    private readonly isRoot: boolean,
  ) {}

  /**
   * Adds a part measured elsewhere, selected at `level` with `multiplier`. Each value of a tally is a lower
   * bound of the operation's (multipliers are at least 1), so passing a limit here passes it there too.
   */
  add(part: Tally, level: number, multiplier: number): void {
    this.depth = Math.max(this.depth, level - 1 + part.depth);
    this.aliases += part.aliases;
    if (level === 1) this.fields += part.fields;
    this.cost += multiplier * part.cost;
    this.introspectionCost += multiplier * part.introspectionCost;
    this.check();
  }

  check(): void {
    for (const limit of ['depth', 'aliases', 'cost', 'introspectionCost'] as const)
      if (this[limit] > this.maxima[limit]) throw new LimitPassed(limit, this[limit]);
    if (this.isRoot && this.fields > this.maxima.rootFields) throw new LimitPassed('rootFields', this.fields);
  }
}

/**
 * The size of each introspection list in this schema (`__Type.fields`: the most fields any type has,
 * and so on): what an introspection list field multiplies its selection by.
 */
function introspectionSizes(schema: GraphQLSchema): Map<string, number> {
  const types = Object.values(schema.getTypeMap());
  const most = (counts: number[]) => Math.max(1, ...counts);
  const directives = schema.getDirectives();
  const fieldsOf = (type: (typeof types)[number]) =>
    isObjectType(type) || isInterfaceType(type) ? Object.values(type.getFields()) : [];
  return new Map([
    ['__Schema.types', types.length],
    ['__Schema.directives', Math.max(1, directives.length)],
    ['__Type.fields', most(types.map((type) => fieldsOf(type).length))],
    [
      '__Type.interfaces',
      most(
        types.map((type) => (isObjectType(type) || isInterfaceType(type) ? type.getInterfaces().length : 0)),
      ),
    ],
    [
      '__Type.possibleTypes',
      most(
        types.map((type) =>
          isUnionType(type) || isInterfaceType(type) ? schema.getPossibleTypes(type).length : 0,
        ),
      ),
    ],
    ['__Type.enumValues', most(types.map((type) => (isEnumType(type) ? type.getValues().length : 0)))],
    [
      '__Type.inputFields',
      most(types.map((type) => (isInputObjectType(type) ? Object.keys(type.getFields()).length : 0))),
    ],
    ['__Field.args', most(types.flatMap((type) => fieldsOf(type).map((field) => field.args.length)))],
    ['__Directive.args', most(directives.map((directive) => directive.args.length))],
  ]);
}

/** No limit at all (to measure without refusing, e.g. what a full introspection costs). */
export const UNLIMITED: Omit<OperationLimits, 'defaultPageSize'> = {
  maxTokens: Infinity,
  maxNesting: Infinity,
  maxDepth: Infinity,
  maxAliases: Infinity,
  maxRootFields: Infinity,
  maxCost: Infinity,
  maxIntrospectionCost: Infinity,
};

/** A full introspection query: graphql-js's, with every option on (what Sandbox and codegen send, and more). */
export function fullIntrospectionQuery(): string {
  return getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  });
}

/** A schema's fixed facts the measure needs, computed once per schema. */
interface SchemaFacts {
  introspectionSizes: Map<string, number>;
  /** What a full introspection query (every option of graphql-js's getIntrospectionQuery) costs. */
  fullIntrospectionCost: number;
}

const FACTS = new WeakMap<GraphQLSchema, SchemaFacts>();

function factsOf(schema: GraphQLSchema): SchemaFacts {
  let facts = FACTS.get(schema);
  if (!facts) {
    facts = { introspectionSizes: introspectionSizes(schema), fullIntrospectionCost: 0 };
    FACTS.set(schema, facts);
    const document = parse(fullIntrospectionQuery());
    const operation = getOperationAST(document);
    if (operation) {
      const unlimited = { ...UNLIMITED, defaultPageSize: 0 };
      facts.fullIntrospectionCost = measureOperation(
        schema,
        document,
        operation,
        {},
        unlimited,
      ).introspectionCost;
    }
  }
  return facts;
}

/** The introspection budget in force: configured, or twice a full introspection query of this schema. */
function introspectionBudget(
  schema: GraphQLSchema,
  limits: Pick<OperationLimits, 'maxIntrospectionCost'>,
): number {
  return limits.maxIntrospectionCost ?? 2 * factsOf(schema).fullIntrospectionCost;
}

/** The definition of a field selected on `parent`, meta fields included. */
function fieldDefinition(
  schema: GraphQLSchema,
  parent: GraphQLCompositeType | undefined,
  node: FieldNode,
): GraphQLField<unknown, unknown> | undefined {
  const name = node.name.value;
  if (name === '__typename') return TypeNameMetaFieldDef;
  if (parent === schema.getQueryType()) {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
  }
  return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
}

/**
 * Measures `operation` (see the file header). Throws OPERATION_LIMIT_EXCEEDED at the first limit passed,
 * and returns the measure otherwise. `variables` are the request's raw variables.
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limits: OperationLimits,
): OperationMeasure {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  // Variables that do not coerce fail the request before anything executes: nothing to price.
  const values = coerced.coerced ?? {};
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const sizes = factsOf(schema).introspectionSizes;
  const maxima: Maxima = {
    depth: limits.maxDepth,
    aliases: limits.maxAliases,
    rootFields: limits.maxRootFields,
    cost: limits.maxCost,
    introspectionCost: introspectionBudget(schema, limits),
  };
  const memo = new Map<string, Tally>();
  const visiting = new Set<string>();
  let visits = 0;

  const included = (node: FieldNode | SelectionSetNode['selections'][number]) => {
    if (!node.directives?.length) return true;
    const skip = coerce(() => getDirectiveValues(GraphQLSkipDirective, node, values));
    if (skip?.if === true) return false;
    const include = coerce(() => getDirectiveValues(GraphQLIncludeDirective, node, values));
    return include?.if !== false;
  };

  /** The factor a field multiplies its selection by: a page size, a list length, an introspection size. */
  const factorOf = (
    field: GraphQLField<unknown, unknown> | undefined,
    parent: GraphQLCompositeType | undefined,
    node: FieldNode,
  ): number => {
    if (!field) return 1;
    if (parent && isIntrospectionType(parent)) return sizes.get(`${parent.name}.${field.name}`) ?? 1;
    if (!node.arguments?.length && field.args.length === 0) return 1;
    const args = coerce(() => getArgumentValues(field, node, values));
    if (getNamedType(field.type).name.endsWith('Connection')) {
      const size = args.first ?? args.last;
      return typeof size === 'number' ? Math.max(size, 1) : Math.max(limits.defaultPageSize, 1);
    }
    for (const name of ['ids', 'representations'])
      if (Array.isArray(args[name])) return Math.max((args[name] as unknown[]).length, 1);
    return 1;
  };

  const walk = (
    set: SelectionSetNode,
    parent: GraphQLCompositeType | undefined,
    tally: Tally,
    level: number,
    multiplier: number,
    inIntrospection: boolean,
  ): void => {
    for (const selection of set.selections) {
      visits += 1;
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const field = fieldDefinition(schema, parent, selection);
        const introspective =
          inIntrospection || selection.name.value === '__schema' || selection.name.value === '__type';
        if (level === 1) tally.fields += 1;
        if (selection.alias) tally.aliases += 1;
        tally.depth = Math.max(tally.depth, level);
        if (introspective) tally.introspectionCost += multiplier;
        else tally.cost += multiplier;
        tally.check();
        if (!selection.selectionSet) {
          // A leaf's arguments must coerce too (a branch's are read by factorOf).
          if (field && selection.arguments?.length) coerce(() => getArgumentValues(field, selection, values));
          continue;
        }
        const type = field ? getNamedType(field.type) : undefined;
        walk(
          selection.selectionSet,
          type && isCompositeType(type) ? type : undefined,
          tally,
          level + 1,
          multiplier * factorOf(field, parent, selection),
          introspective,
        );
      } else {
        const fragment =
          selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : undefined;
        const condition =
          selection.kind === Kind.INLINE_FRAGMENT ? selection.typeCondition : fragment?.typeCondition;
        const named = condition ? schema.getType(condition.name.value) : parent;
        const type = named && isCompositeType(named) ? named : parent;
        if (selection.kind === Kind.INLINE_FRAGMENT) {
          walk(selection.selectionSet, type, tally, level, multiplier, inIntrospection);
          continue;
        }
        // A named fragment: measured once per parent type (and introspection context), then reused.
        if (!fragment) continue;
        const key = `${fragment.name.value}@${type?.name ?? '?'}@${inIntrospection ? 'i' : ''}`;
        let part = memo.get(key);
        if (!part) {
          if (visiting.has(key)) continue; // A cycle (validation refuses them first).
          visiting.add(key);
          part = new Tally(maxima, false);
          walk(fragment.selectionSet, type, part, 1, 1, inIntrospection);
          visiting.delete(key);
          memo.set(key, part);
        }
        tally.add(part, level, multiplier);
      }
    }
  };

  const root = new Tally(maxima, true);
  const rootType = schema.getRootType(operation.operation) ?? undefined;
  try {
    if (coerced.coerced) walk(operation.selectionSet, rootType, root, 1, 1, false);
  } catch (error) {
    if (error instanceof BadArgument)
      throw new BadUserInputError(error.error.message, { http: { status: 400 } });
    if (!(error instanceof LimitPassed)) throw error;
    throw rejection(error.limit, maxima[error.limit], error.measured);
  }
  return {
    depth: root.depth,
    aliases: root.aliases,
    rootFields: root.fields,
    cost: root.cost,
    introspectionCost: root.introspectionCost,
    visits,
  };
}

function rejection(limit: Limited, maximum: number, measured: number): OperationLimitError {
  const check = CHECKS.find((c) => c.limit === limit) as (typeof CHECKS)[number];
  const shown = Math.min(measured, Number.MAX_SAFE_INTEGER);
  return new OperationLimitError(
    `The operation ${check.says(shown)}; the maximum is ${maximum} (${check.variable}). ${check.hint}`,
    { limit, maximum, measured: shown },
    400,
  );
}

/**
 * The lexical check of a document, before it is parsed: at most `maxTokens` tokens and brackets nested at
 * most `maxNesting` deep. One pass of graphql-js's own lexer, stopping at the first limit; a document that
 * does not even lex is left to the parser, which reports the syntax error. Returns the error to answer
 * with, or null.
 */
export function checkDocumentSize(
  query: string,
  limits: Pick<OperationLimits, 'maxTokens' | 'maxNesting'>,
): OperationLimitError | null {
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  let nesting = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      tokens += 1;
      if (tokens > limits.maxTokens) {
        return new OperationLimitError(
          `The document has more than ${limits.maxTokens} tokens; the maximum is ${limits.maxTokens} (ROLLCALL_MAX_TOKENS). Send a smaller document.`,
          { limit: 'tokens', maximum: limits.maxTokens, measured: tokens },
          400,
        );
      }
      if (
        token.kind === TokenKind.BRACE_L ||
        token.kind === TokenKind.PAREN_L ||
        token.kind === TokenKind.BRACKET_L
      )
        nesting += 1;
      else if (
        token.kind === TokenKind.BRACE_R ||
        token.kind === TokenKind.PAREN_R ||
        token.kind === TokenKind.BRACKET_R
      )
        nesting -= 1;
      if (nesting > limits.maxNesting) {
        return new OperationLimitError(
          `The document nests brackets more than ${limits.maxNesting} deep; the maximum is ${limits.maxNesting} (ROLLCALL_MAX_NESTING).`,
          { limit: 'nesting', maximum: limits.maxNesting, measured: nesting },
          400,
        );
      }
    }
  } catch {
    return null;
  }
  return null;
}

/** Distinct variable sets remembered per document as within the limits (a bounded memo)… */
const PASSED_PER_DOCUMENT = 64;
/** …each only when short: large variables (a list of 1000 ids) are measured every time, never held. */
const PASSED_KEY_CHARS = 1024;

/**
 * Rejects operations over the limits before execution. The measure is a pure function of the document,
 * the operation and the variables (the schema and limits are fixed), and Apollo hands back the same
 * parsed document for the same query text: an operation that passed is not measured again for the same
 * variables (clients repeat their operations). One that failed is measured again, for a fresh error.
 */
export function operationLimitsPlugin(limits: OperationLimits): ApolloServerPlugin {
  const passed = new WeakMap<DocumentNode, Set<string>>();
  return {
    async serverWillStart({ schema }) {
      factsOf(schema); // Compute the schema's facts once at start, not in the first request.
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (!operation) return;
          const variables = request.variables ?? {};
          const key = `${operation.name?.value ?? ''}\0${JSON.stringify(variables)}`;
          let known = passed.get(document);
          if (known?.has(key)) return;
          measureOperation(schema, document, operation, variables, limits);
          if (key.length > PASSED_KEY_CHARS) return;
          if (!known) passed.set(document, (known = new Set()));
          if (known.size >= PASSED_PER_DOCUMENT) known.clear();
          known.add(key);
        },
      };
    },
  };
}
