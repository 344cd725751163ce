/**
 * Operation limits, checked once the operation is resolved (so variables are known) and before any
 * resolver runs: depth, aliases, root fields, and a cost that multiplies by requested page sizes, so that
 * `users(first: 100) { … }` is priced as 100 users and nested connections multiply.
 *
 * Cost model: every field costs 1 for each time it will be resolved. A field returning a `…Connection`
 * multiplies its selection by its `first`/`last` (or the default page size); `nodes(ids:)` by the number
 * of ids. Each rejection names the limit, the measured value and the configured maximum.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  getNamedType,
  isCompositeType,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  isObjectType,
  isInterfaceType,
} from 'graphql';

export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxCost: number;
  /** Page size assumed for a connection queried without `first`/`last`. */
  defaultPageSize: number;
}

export interface OperationMeasure {
  depth: number;
  aliases: number;
  rootFields: number;
  cost: number;
}

function argumentValue(node: ValueNode | undefined, variables: Record<string, unknown>): unknown {
  if (!node) return undefined;
  switch (node.kind) {
    case Kind.VARIABLE:
      return variables[node.name.value];
    case Kind.INT:
      return Number(node.value);
    case Kind.LIST:
      return node.values.map((value) => argumentValue(value, variables));
    default:
      return undefined;
  }
}

export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  defaultPageSize: number,
): OperationMeasure {
  let aliases = 0;
  let depth = 0;
  const rootType =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();

  const walk = (
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType | null | undefined,
    level: number,
    multiplier: number,
    visiting: Set<string>,
  ): { cost: number; fields: number } => {
    let cost = 0;
    let fields = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        fields += 1;
        if (selection.alias) aliases += 1;
        depth = Math.max(depth, level);
        cost += multiplier;
        if (!selection.selectionSet) continue;
        const field =
          parent && (isObjectType(parent) || isInterfaceType(parent))
            ? parent.getFields()[selection.name.value]
            : undefined;
        const type = field ? getNamedType(field.type) : undefined;
        let factor = 1;
        const arg = (name: string) =>
          argumentValue(selection.arguments?.find((a) => a.name.value === name)?.value, variables);
        if (type?.name.endsWith('Connection')) {
          const size = arg('first') ?? arg('last');
          factor = typeof size === 'number' && size >= 0 ? size : defaultPageSize;
        } else if (selection.name.value === 'nodes' || selection.name.value === '_entities') {
          const list = arg(selection.name.value === 'nodes' ? 'ids' : 'representations');
          factor = Array.isArray(list) ? list.length : 1;
        }
        const child = walk(
          selection.selectionSet,
          type && isCompositeType(type) ? type : undefined,
          level + 1,
          multiplier * Math.max(factor, 1),
          visiting,
        );
        cost += child.cost;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parent;
        const child = walk(
          selection.selectionSet,
          condition && isCompositeType(condition) ? condition : parent,
          level,
          multiplier,
          visiting,
        );
        cost += child.cost;
        fields += child.fields;
      } else {
        const name = selection.name.value;
        const fragment = fragments[name];
        if (!fragment || visiting.has(name)) continue;
        visiting.add(name);
        const condition = schema.getType(fragment.typeCondition.name.value);
        const child = walk(
          fragment.selectionSet,
          condition && isCompositeType(condition) ? condition : parent,
          level,
          multiplier,
          visiting,
        );
        visiting.delete(name);
        cost += child.cost;
        fields += child.fields;
      }
    }
    return { cost, fields };
  };

  const root = walk(operation.selectionSet, rootType, 1, 1, new Set());
  return { depth, aliases, rootFields: root.fields, cost: root.cost };
}

function rejection(message: string, limit: string, maximum: number, measured: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit, maximum, measured, http: { status: 400 } },
  });
}

/** The limits in the order they are checked, each with its message and variable. */
const CHECKS: {
  limit: keyof OperationMeasure;
  maximum: Exclude<keyof OperationLimits, 'defaultPageSize'>;
  variable: string;
  says: (value: number) => string;
  hint?: string;
}[] = [
  { limit: 'depth', maximum: 'maxDepth', variable: 'ROLLCALL_MAX_DEPTH', says: (n) => `is ${n} levels deep` },
  {
    limit: 'aliases',
    maximum: 'maxAliases',
    variable: 'ROLLCALL_MAX_ALIASES',
    says: (n) => `uses ${n} aliases`,
  },
  {
    limit: 'rootFields',
    maximum: 'maxRootFields',
    variable: 'ROLLCALL_MAX_ROOT_FIELDS',
    says: (n) => `selects ${n} root fields`,
  },
  {
    limit: 'cost',
    maximum: 'maxCost',
    variable: 'ROLLCALL_MAX_COST',
    says: (n) => `costs ${n} (fields × requested page sizes)`,
    hint: ' Ask for smaller pages or fewer fields.',
  },
];

/** Rejects operations over the limits before execution. */
export function operationLimitsPlugin(limits: OperationLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (!operation) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) {
            if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          }
          const measured = measureOperation(
            schema,
            operation,
            fragments,
            request.variables ?? {},
            limits.defaultPageSize,
          );
          for (const check of CHECKS) {
            const value = measured[check.limit];
            const maximum = limits[check.maximum];
            if (value > maximum) {
              throw rejection(
                `The operation ${check.says(value)}; the maximum is ${maximum} (${check.variable}).${check.hint ?? ''}`,
                check.limit,
                maximum,
                value,
              );
            }
          }
        },
      };
    },
  };
}
