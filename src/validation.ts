/**
 * Validation rules rollcall adds to graphql-js's own (Apollo Server runs them with the specified rules,
 * so a failure is a GRAPHQL_VALIDATION_FAILED error with HTTP 400, before anything executes).
 */
import { GraphQLError, OperationTypeNode, type ASTVisitor, type ValidationContext } from 'graphql';

/**
 * Refuses an operation whose type the schema does not have (rollcall has no mutations or
 * subscriptions): graphql-js only notices it while executing, and reports it as an internal error.
 */
export function SupportedOperationTypesRule(context: ValidationContext): ASTVisitor {
  const schema = context.getSchema();
  const supported = [
    OperationTypeNode.QUERY,
    OperationTypeNode.MUTATION,
    OperationTypeNode.SUBSCRIPTION,
  ].filter((type) => schema.getRootType(type));
  return {
    OperationDefinition(node) {
      if (schema.getRootType(node.operation)) return;
      context.reportError(
        new GraphQLError(
          `This schema has no ${node.operation} type. Supported operation types: ${supported.join(', ')}.`,
          { nodes: node },
        ),
      );
    },
  };
}
