/** The `DateTime` and `JSON` scalars. */
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { BadUserInputError } from './errors.js';

export const DateTimeScalar = new GraphQLScalarType<Date | null, string>({
  name: 'DateTime',
  description: 'An ISO-8601 date-time in UTC.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue(value) {
    const date = typeof value === 'string' ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime()))
      throw new BadUserInputError('DateTime must be an ISO-8601 string.');
    return date;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new BadUserInputError('DateTime must be an ISO-8601 string.');
    const date = new Date(ast.value);
    if (Number.isNaN(date.getTime())) throw new BadUserInputError('DateTime must be an ISO-8601 string.');
    return date;
  },
});

function literal(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literal(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literal(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    default:
      return undefined;
  }
}

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literal(ast, variables),
});
