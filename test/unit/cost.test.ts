import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationCost } from '../../src/graphql/cost.ts';
import { buildSchema } from '../../src/graphql/schema.ts';
import { TenantCostBudget } from '../../src/graphql/tenant-budget.ts';

const schema = buildSchema();
const cost = (query: string, variables: Record<string, unknown> = {}, operationName?: string) =>
  operationCost(schema, parse(query), operationName, variables);

describe('operation cost', () => {
  it('counts objects 1 and scalars 0', () => {
    expect(cost('{ viewer { tenantId } }')).toBe(1);
    expect(cost('{ __typename }')).toBe(0);
  });

  it("multiplies a connection's edges and nodes by its page size, not its totalCount", () => {
    const page = (first: number) =>
      cost(`{ findings(first: ${first}) { totalCount edges { node { awsId asset { id } } } } }`);
    // findings 1 + (edges 1 + node 1 + asset 1) × first
    expect(page(10)).toBe(1 + 3 * 10);
    expect(page(100)).toBe(1 + 3 * 100);
    expect(cost('{ findings(first: 20) { nodes { awsId } pageInfo { hasNextPage } } }')).toBe(1 + 20 + 1);
  });

  it('reads page sizes from variables, and the default page size when none is given', () => {
    const query = 'query($n: Int) { findings(first: $n) { nodes { awsId } } }';
    expect(cost(query, { n: 200 })).toBe(1 + 200);
    expect(cost(query, {})).toBe(1 + 50);
    expect(cost('{ findings(last: 7) { nodes { awsId } } }')).toBe(1 + 7);
  });

  it('multiplies nested pages', () => {
    expect(cost('{ findings(first: 100) { nodes { history(first: 20) { nodes { at } } } } }')).toBe(
      1 + 100 * (1 + 1 + 20 * 1),
    );
  });

  it('counts findingStats at its @cost weight, per alias', () => {
    const one = cost('{ findingStats { total } }');
    expect(one).toBeGreaterThanOrEqual(5000);
    const aliases = Array.from({ length: 30 }, (_, i) => `s${i}: findingStats { total }`).join(' ');
    expect(cost(`{ ${aliases} }`)).toBe(30 * one);
  });

  it('multiplies a list field by the length of the list it is given (_entities, nodes)', () => {
    const representations = Array.from({ length: 100 }, (_, i) => ({ __typename: 'Finding', id: String(i) }));
    expect(
      cost(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Finding { awsId asset { id } } } }',
        {
          r: representations,
        },
      ),
    ).toBe(100 * (1 + 1));
    expect(cost('{ nodes(ids: ["a", "b", "c"]) { id } }')).toBe(3);
  });

  it('costs a fragment spread in every level of 60 nested fragments at once, not 2^60 walks', () => {
    let document = 'query Q { ...F0 }\n';
    for (let i = 0; i < 60; i += 1) document += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`;
    document += 'fragment F60 on Query { viewer { tenantId } }';
    // Walked once per fragment; walked per spread, this would not end before the test's timeout.
    expect(cost(document, {}, 'Q')).toBe(2 ** 60);
  });

  it('follows fragments and picks the named operation', () => {
    const document = `
      fragment F on Finding { asset { id } }
      query A { findings(first: 4) { nodes { ...F } } }
      query B { viewer { tenantId } }`;
    expect(cost(document, {}, 'A')).toBe(1 + 4 * (1 + 1));
    expect(cost(document, {}, 'B')).toBe(1);
  });
});

describe('tenant cost budget', () => {
  it('lets a tenant burst, then refills at its rate; other tenants keep theirs', () => {
    let now = 0;
    const budget = new TenantCostBudget(1000, 5000, () => now);
    expect(budget.take('a', 5000)).toBeUndefined();
    expect(budget.take('a', 1)).toBe(1);
    expect(budget.take('b', 5000)).toBeUndefined();
    now = 2_500;
    expect(budget.take('a', 3000)).toBe(1); // 2,500 refilled: 500 short, under a second
    expect(budget.take('a', 2500)).toBeUndefined();
    now = 10_000;
    expect(budget.take('a', 6000)).toBe(1); // never more than the burst
    expect(budget.take('a', 5000)).toBeUndefined();
  });

  it('says how many seconds until the cost is covered', () => {
    let now = 0;
    const budget = new TenantCostBudget(100, 1000, () => now);
    budget.take('a', 1000);
    expect(budget.take('a', 750)).toBe(8);
    now = 8_000;
    expect(budget.take('a', 750)).toBeUndefined();
  });
});
