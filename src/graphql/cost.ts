import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  valueFromAST,
} from 'graphql';
import { DEFAULT_PAGE_SIZE } from '../db/keyset.ts';

// What an operation costs, before it runs: the number the per-operation limit (GRAPHQL_MAX_COST)
// and each tenant's budget (tenant-budget.ts) are counted in. The rules are those of the IBM cost
// specification that Federation's `@cost` and `@listSize` directives carry (so a router's demand
// control and this subgraph agree), simplified:
// - a field returning an object costs 1, a scalar or enum 0, unless the schema gives it `@cost(weight:)`
//   (an aggregate such as `findingStats` costs what it costs the database, not 1);
// - a field with `first`/`last` (its `@listSize(slicingArguments:)`) multiplies the cost of its
//   selection by that many items (its default, or the default page size, when not given) — for a
//   connection, of its `edges` and `nodes` only (`@listSize(sizedFields:)`);
// - a list field taking a list (`nodes(ids:)`, `_entities(representations:)`) multiplies by that
//   list's length; any other list by its `@listSize(assumedSize:)`, else 1.
// Variables are read, so `first: $n` counts as n.

type Variables = Readonly<Record<string, unknown>> | null | undefined;

interface Sizing {
  fields: readonly string[];
  size: number;
}

export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (
      definition.kind === Kind.OPERATION_DEFINITION &&
      (operationName == null || definition.name?.value === operationName)
    )
      operation ??= definition;
  }
  if (!operation) return 0;
  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return 0;

  /**
   * `sizing`: the fields of this selection resolved once per item of a page (a connection's
   * `edges`/`nodes`), and how many items; every other field is resolved once.
   */
  const selectionCost = (selectionSet: SelectionSetNode, type: GraphQLNamedType, sizing?: Sizing): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const times = sizing?.fields.includes(selection.name.value) ? sizing.size : 1;
        total += fieldCost(selection, type) * times;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (on) total += selectionCost(selection.selectionSet, on, sizing);
      } else {
        total += fragmentCost(selection.name.value, sizing);
      }
    }
    return total;
  };

  // A fragment is costed once per sizing: spread twice in each of 30 nested fragments, it would
  // otherwise be walked 2^30 times by a document of a few hundred tokens.
  const fragmentCosts = new Map<string, number>();
  const fragmentCost = (name: string, sizing?: Sizing): number => {
    const key = `${name}|${sizing ? `${sizing.size}:${sizing.fields.join(',')}` : ''}`;
    let cost = fragmentCosts.get(key);
    if (cost === undefined) {
      const fragment = fragments.get(name);
      const on = fragment && schema.getType(fragment.typeCondition.name.value);
      cost = fragment && on ? selectionCost(fragment.selectionSet, on, sizing) : 0;
      fragmentCosts.set(key, cost);
    }
    return cost;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLNamedType): number => {
    const definition = fieldOf(parent, node.name.value);
    if (!definition) return 0; // __typename, and introspection (limited by its own rule)
    const returned = getNamedType(definition.type);
    const weight = Number(
      directiveArgument(definition, 'cost', 'weight') ?? (isCompositeType(returned) ? 1 : 0),
    );
    const size = listSize(definition, node, variables);
    if (!node.selectionSet) return weight * size;
    const sized = sizedFields(definition, returned);
    // A connection's page size multiplies its `edges`/`nodes`, not its `totalCount` or `pageInfo`.
    if (sized) return weight + selectionCost(node.selectionSet, returned, { fields: sized, size });
    return (weight + selectionCost(node.selectionSet, returned)) * size;
  };

  return selectionCost(operation.selectionSet, root);
}

/** The fields a page size applies to: `@listSize(sizedFields:)`, or a Relay connection's edges and nodes. */
function sizedFields(
  definition: GraphQLField<unknown, unknown>,
  returned: GraphQLNamedType,
): string[] | undefined {
  const declared = directiveArgument(definition, 'listSize', 'sizedFields') as string[] | undefined;
  if (declared) return declared;
  return returned.name.endsWith('Connection') && isObjectType(returned) ? ['edges', 'nodes'] : undefined;
}

function fieldOf(type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (isObjectType(type) || (isAbstractType(type) && 'getFields' in type)) return type.getFields()[name];
  return undefined;
}

/** How many items a field's selection is resolved for. */
function listSize(definition: GraphQLField<unknown, unknown>, node: FieldNode, variables: Variables): number {
  const slicing = (directiveArgument(definition, 'listSize', 'slicingArguments') as string[] | undefined) ?? [
    'first',
    'last',
  ];
  const sliced = slicing.filter((name) => definition.args.some((arg) => arg.name === name));
  if (sliced.length > 0) {
    const sizes = sliced.map((name) => argumentValue(definition, node, name, variables));
    const given = sizes.filter((size): size is number => typeof size === 'number');
    if (given.length > 0) return Math.max(0, ...given);
    const assumed = directiveArgument(definition, 'listSize', 'assumedSize');
    return typeof assumed === 'number' ? assumed : DEFAULT_PAGE_SIZE;
  }
  const type = isNonNullType(definition.type) ? definition.type.ofType : definition.type;
  if (!isListType(type)) return 1;
  for (const arg of definition.args) {
    const value = argumentValue(definition, node, arg.name, variables);
    if (Array.isArray(value)) return value.length;
  }
  const assumed = directiveArgument(definition, 'listSize', 'assumedSize');
  return typeof assumed === 'number' ? assumed : 1;
}

function argumentValue(
  definition: GraphQLField<unknown, unknown>,
  node: FieldNode,
  name: string,
  variables: Variables,
): unknown {
  const arg = definition.args.find((candidate) => candidate.name === name)!;
  const given = node.arguments?.find((argument) => argument.name.value === name);
  if (!given) return arg.defaultValue;
  // Invalid values were refused by validation already; what cannot be read counts as absent.
  return valueFromAST(given.value, arg.type, (variables ?? undefined) as Record<string, unknown> | undefined);
}

/** An argument of a directive applied to the field in the schema's SDL (`@cost(weight: 5000)`). */
function directiveArgument(
  definition: GraphQLField<unknown, unknown>,
  directive: string,
  argument: string,
): unknown {
  const applied = definition.astNode?.directives?.find((candidate) => candidate.name.value === directive);
  const value = applied?.arguments?.find((candidate) => candidate.name.value === argument)?.value;
  if (!value) return undefined;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.LIST)
    return value.values.flatMap((item) => (item.kind === Kind.STRING ? [item.value] : []));
  return undefined;
}
