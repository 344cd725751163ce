/**
 * Federation's authorization directives, enforced inside rollcall: a client that reaches the subgraph
 * directly gets what a router enforcing them would give. One schema transform reads `@authenticated` and
 * `@requiresScopes` from the SDL (on object types and on fields; Federation forbids them on interfaces, so
 * an interface field asks what its implementations ask) and wraps the resolvers they guard:
 *
 * - a field the caller may not see resolves to null with a FORBIDDEN error at its path; the rest of the
 *   answer is still returned (every guarded field is nullable, see schema.ts's check);
 * - a field returning a type the caller may not see counts as guarded by that type's requirement;
 * - a root field whose selection holds nothing the caller may see (only guarded fields, or `__typename`)
 *   is refused as a whole before its resolver runs, so a query of forbidden fields costs no upstream call.
 */
import {
  defaultFieldResolver,
  getNamedType,
  GraphQLError,
  isAbstractType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  Kind,
  type ConstDirectiveNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import {
  allows,
  both,
  describe,
  either,
  NO_REQUIREMENT,
  type Principal,
  type Requirement,
} from '../auth/principal.js';
import { ErrorCode } from '../errors.js';

/** What a resolver's context must give the transform. */
interface WithPrincipal {
  principal: Principal;
}

function directiveRequirement(directives: readonly ConstDirectiveNode[] | undefined): Requirement {
  let requirement = NO_REQUIREMENT;
  for (const directive of directives ?? []) {
    const name = directive.name.value;
    if (name === 'authenticated') requirement = both(requirement, { authenticated: true, scopes: null });
    if (name !== 'requiresScopes') continue;
    const argument = directive.arguments?.find((arg) => arg.name.value === 'scopes')?.value;
    if (argument?.kind !== Kind.LIST) throw new Error('@requiresScopes needs scopes: [[…]]');
    const sets = argument.values.map((set) => {
      if (set.kind !== Kind.LIST) throw new Error('@requiresScopes scopes must be a list of lists');
      return set.values.map((scope) => {
        if (scope.kind !== Kind.STRING) throw new Error('@requiresScopes scopes must be strings');
        return scope.value;
      });
    });
    requirement = both(requirement, { authenticated: true, scopes: sets });
  }
  return requirement;
}

const isOpen = (requirement: Requirement) => !requirement.authenticated && requirement.scopes === null;

/** Whether `requirement` accepts exactly `scope` alone as one of its alternatives. */
const accepts = (requirement: Requirement, scope: string) =>
  requirement.scopes?.some((set) => set.length === 1 && set[0] === scope) ?? false;

/**
 * Every provider's user type (`typenames`) must be readable only with the read scope, and its
 * personal-data fields (`email`, `raw`) only with the PII scope: a provider's SDL that forgot them would
 * serve personal data to anyone. Every field a directive guards must be nullable, so that refusing it
 * nulls that field alone.
 */
export function checkAccessDirectives(
  schema: GraphQLSchema,
  typenames: readonly string[],
  scopes: { read: string; pii: string },
): void {
  for (const typename of typenames) {
    const type = schema.getType(typename);
    if (!isObjectType(type)) continue;
    if (!accepts(directiveRequirement(type.astNode?.directives), scopes.read))
      throw new Error(`${typename} must declare @requiresScopes(scopes: [["${scopes.read}"]])`);
    for (const name of ['email', 'raw'])
      if (!accepts(directiveRequirement(type.getFields()[name]?.astNode?.directives), scopes.pii))
        throw new Error(`${typename}.${name} must declare @requiresScopes(scopes: [["${scopes.pii}"]])`);
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields()))
      if (isNonNullType(field.type) && !isOpen(directiveRequirement(field.astNode?.directives)))
        throw new Error(`${type.name}.${field.name} is guarded by a directive, so it must be nullable`);
  }
}

/** Requirements read once from a schema: per named type, and per (type, field). */
export class Requirements {
  private readonly types = new Map<string, Requirement>();
  private readonly fields = new Map<string, Requirement>();

  constructor(private readonly schema: GraphQLSchema) {}

  /** What seeing a value of `type` asks: its own directives; an abstract type, any of its possible types'. */
  ofType(type: GraphQLNamedType): Requirement {
    const known = this.types.get(type.name);
    if (known) return known;
    let requirement: Requirement;
    if (isAbstractType(type)) {
      const possible = this.schema.getPossibleTypes(type);
      requirement =
        possible.length === 0
          ? NO_REQUIREMENT
          : possible.map((member) => this.ofType(member)).reduce((a, b) => either(a, b));
    } else {
      requirement = directiveRequirement(type.astNode?.directives);
    }
    this.types.set(type.name, requirement);
    return requirement;
  }

  /** What reading `field` of `parent` asks: its directives and its type's (interfaces: any implementation's). */
  ofField(parent: GraphQLNamedType, fieldName: string): Requirement {
    const key = `${parent.name}.${fieldName}`;
    const known = this.fields.get(key);
    if (known) return known;
    let requirement = NO_REQUIREMENT;
    if (isObjectType(parent)) {
      const field = parent.getFields()[fieldName];
      if (field)
        requirement = both(
          directiveRequirement(field.astNode?.directives),
          this.ofType(getNamedType(field.type)),
        );
    } else if (isInterfaceType(parent)) {
      const implementations = this.schema.getPossibleTypes(parent);
      if (implementations.length > 0)
        requirement = implementations
          .map((type) => this.ofField(type, fieldName))
          .reduce((a, b) => either(a, b));
    }
    this.fields.set(key, requirement);
    return requirement;
  }

  /**
   * Whether `selections` (on `parent`) hold anything `principal` may see: a leaf field it may read, or an
   * object field it may read whose own selection does.
   */
  visible(
    principal: Principal,
    parent: GraphQLNamedType,
    selections: SelectionSetNode,
    fragments: Record<string, FragmentDefinitionNode>,
    visited: Set<string> = new Set(),
  ): boolean {
    for (const selection of selections.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? this.schema.getType(selection.typeCondition.name.value)
          : parent;
        if (condition && this.visible(principal, condition, selection.selectionSet, fragments, visited))
          return true;
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments[name];
        if (!fragment || visited.has(name)) continue;
        visited.add(name);
        const condition = this.schema.getType(fragment.typeCondition.name.value);
        if (condition && this.visible(principal, condition, fragment.selectionSet, fragments, visited))
          return true;
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith('__')) continue;
      if (!allows(principal, this.ofField(parent, name))) continue;
      if (!selection.selectionSet) return true;
      const type = fieldType(parent, name);
      if (!type || isLeafType(type)) return true;
      if (this.visible(principal, type, selection.selectionSet, fragments, visited)) return true;
    }
    return false;
  }
}

function fieldType(parent: GraphQLNamedType, name: string): GraphQLNamedType | undefined {
  if (!isObjectType(parent) && !isInterfaceType(parent)) return undefined;
  const field = parent.getFields()[name];
  return field ? getNamedType(field.type) : undefined;
}

/** Thrown from the resolver, so graphql-js puts it at the field's path and nulls the field. */
function forbidden(message: string, requirement?: Requirement): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.FORBIDDEN, ...(requirement ? { requires: describe(requirement) } : {}) },
  });
}

/**
 * Wraps, in place, the resolvers of every field a directive guards (directly or through its type), and of
 * every root field (the "nothing visible" check). The schema is built for this server alone.
 */
export function enforceAuthorization(schema: GraphQLSchema): Requirements {
  const requirements = new Requirements(schema);
  const roots = new Set(
    [schema.getQueryType(), schema.getMutationType()].flatMap((type) => (type ? [type.name] : [])),
  );
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const requirement = requirements.ofField(type, field.name);
      const root = roots.has(type.name) && field.name !== '_service';
      if (isOpen(requirement) && !root) continue;
      field.resolve = guard(requirements, type, field, requirement, root);
    }
  }
  return requirements;
}

function guard(
  requirements: Requirements,
  type: GraphQLObjectType,
  field: GraphQLField<unknown, unknown>,
  requirement: Requirement,
  root: boolean,
): GraphQLFieldResolver<unknown, WithPrincipal> {
  const resolve: GraphQLFieldResolver<unknown, WithPrincipal> = field.resolve ?? defaultFieldResolver;
  const returned = getNamedType(field.type);
  return (source, args, context, info) => {
    const { principal } = context;
    if (!allows(principal, requirement))
      throw forbidden(`Not allowed: ${type.name}.${field.name} needs ${describe(requirement)}.`, requirement);
    if (root && !isLeafType(returned)) {
      const selected = info.fieldNodes.some(
        (node) =>
          node.selectionSet !== undefined &&
          requirements.visible(principal, returned, node.selectionSet, info.fragments),
      );
      if (!selected)
        throw forbidden(
          `Not allowed: every field selected under ${info.fieldName} needs a scope this request lacks.`,
        );
    }
    return resolve(source, args, context, info);
  };
}
