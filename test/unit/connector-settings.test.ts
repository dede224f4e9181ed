import { describe, expect, it } from 'vitest';
import { settingsFromInput, validateSettings } from '../../src/connectors/settings.ts';
import type { ConnectorInput } from '../../src/generated/graphql.ts';

// A connector's settings are validated as a whole before anything is written; each mistake comes
// back with its field path, a message that says the fix, and a code.

const now = new Date('2026-11-01T12:00:00.000Z');
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);

function problems(changes: Partial<ConnectorInput>) {
  const input: ConnectorInput = {
    name: 'production',
    auth: { mode: 'DEFAULT_CHAIN' },
    regions: ['us-east-1', 'eu-west-1'],
    ...changes,
  };
  return validateSettings(settingsFromInput(input), { allowCustomEndpoints: false, now });
}

describe('connector settings', () => {
  it('accept a plain connector, a scope and a schedule that ends in the future', () => {
    expect(problems({})).toEqual([]);
    expect(
      problems({
        scope: {
          severityLabels: ['HIGH', 'CRITICAL'],
          awsFilters: { ProductName: [{ Value: 'Inspector', Comparison: 'EQUALS' }] },
        },
        schedule: { kind: 'RECURRING', intervalMinutes: 60, endAt: minutes(1) },
      }),
    ).toEqual([]);
  });

  it('refuse a schedule that ends in the past, or now', () => {
    for (const endAt of [minutes(-1), minutes(0), new Date('2020-01-01T00:00:00.000Z')]) {
      expect(problems({ schedule: { kind: 'RECURRING', intervalMinutes: 60, endAt } })).toEqual([
        {
          field: ['input', 'schedule', 'endAt'],
          message: 'The schedule would end in the past.',
          code: 'INVALID',
        },
      ]);
    }
    expect(problems({ schedule: { kind: 'ONCE', endAt: minutes(-60) } })).toEqual([
      {
        field: ['input', 'schedule', 'endAt'],
        message: 'The schedule would end in the past.',
        code: 'INVALID',
      },
    ]);
  });

  it('refuse a filter attribute set both by a scope field and in awsFilters', () => {
    expect(
      problems({
        scope: {
          severityLabels: ['HIGH'],
          awsFilters: { SeverityLabel: [{ Value: 'CRITICAL', Comparison: 'EQUALS' }] },
        },
      }),
    ).toEqual([
      {
        field: ['input', 'scope', 'awsFilters', 'SeverityLabel'],
        message: 'SeverityLabel is set both by scope.severityLabels and in awsFilters; keep one.',
        code: 'DUPLICATE',
      },
    ]);
    expect(
      problems({
        scope: {
          resourceTypes: ['AwsEc2Instance'],
          productNames: ['Inspector'],
          awsFilters: {
            ResourceType: [{ Value: 'AwsEcr', Comparison: 'PREFIX' }],
            ProductName: [{ Value: 'GuardDuty', Comparison: 'EQUALS' }],
          },
        },
      }).map((error) => [error.field.at(-1), error.code]),
    ).toEqual([
      ['ResourceType', 'DUPLICATE'],
      ['ProductName', 'DUPLICATE'],
    ]);
  });
});
