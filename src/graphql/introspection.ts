import { GraphQLError, type ValidationRule } from 'graphql';

// Introspection off (production's default) is our own rule rather than Apollo's: Apollo's message
// tells the operator to "pass introspection: true to ApolloServer", which nobody deploying Hubgraph
// can do; this one names the variable. The same rule guards WebSocket operations, which Apollo's
// rules never see.

const INTROSPECTION_OFF_MESSAGE =
  'Introspection is off on this server (the default with NODE_ENV=production). Set GRAPHQL_INTROSPECTION=true to turn it on, or read the schema with `npm run schema:print`.';

export const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') {
      context.reportError(
        new GraphQLError(INTROSPECTION_OFF_MESSAGE, {
          nodes: [node],
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED', validationErrorCode: 'INTROSPECTION_DISABLED' },
        }),
      );
    }
  },
});
