import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OCSF_VULNERABILITY_MAP } from '../../../src/mapping/ocsf/built-in-map.ts';
import { mapOcsfFinding } from '../../../src/mapping/ocsf/map-ocsf-finding.ts';
import { compileTransformMap } from '../../../src/mapping/transform-map.ts';
import {
  applyChangesToOcsf,
  changesFromInput,
  changesV2Of,
  fieldsV2CannotChange,
} from '../../../src/writeback/changes.ts';

// What findingsUpdate sends to the new Security Hub (BatchUpdateFindingsV2) and what it refuses,
// and the OCSF document it keeps afterwards: pure functions of the validated changes.

describe('the changes as BatchUpdateFindingsV2 takes them', () => {
  it('maps each workflow status to its OCSF status_id, NOTIFIED to In Progress', () => {
    const statusIds = (['NEW', 'NOTIFIED', 'SUPPRESSED', 'RESOLVED'] as const).map(
      (workflowStatus) => changesV2Of(changesFromInput({ workflowStatus }).changes).StatusId,
    );
    expect(statusIds).toEqual([1, 2, 3, 4]);
  });

  it('maps each severity label to its OCSF severity_id', () => {
    const severityIds = (['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const).map(
      (label) => changesV2Of(changesFromInput({ severity: { label } }).changes).SeverityId,
    );
    expect(severityIds).toEqual([1, 2, 3, 4, 5]);
  });

  it("sends the note's text as the comment, and nothing V2 has no field for", () => {
    const { changes } = changesFromInput({
      note: { text: 'Ticket SEC-42', updatedBy: 'alice' },
      workflowStatus: 'RESOLVED',
    });
    expect(changesV2Of(changes)).toEqual({ Comment: 'Ticket SEC-42', StatusId: 4 });
    expect(fieldsV2CannotChange(changes)).toEqual([]);
  });

  it('names every field V2 cannot change, as the input names it', () => {
    const { changes } = changesFromInput({
      severity: { label: 'HIGH', normalized: 75 },
      verificationState: 'TRUE_POSITIVE',
      confidence: 1,
      criticality: 2,
      types: ['TTPs/Discovery'],
      userDefinedFields: [{ name: 'a', value: 'b' }],
      relatedFindings: [{ productArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector', id: 'x' }],
    });
    expect(fieldsV2CannotChange(changes)).toEqual([
      'severity.normalized',
      'verificationState',
      'confidence',
      'criticality',
      'types',
      'userDefinedFields',
      'relatedFindings',
    ]);
  });
});

describe('the OCSF document after BatchUpdateFindingsV2', () => {
  const document = {
    class_uid: 2003,
    severity_id: 2,
    severity: 'Low',
    status_id: 1,
    status: 'New',
    finding_info: { uid: 'f-1', modified_time_dt: '2026-11-01T00:00:00.000Z' },
    time_dt: '2026-11-01T00:00:00.000Z',
  };

  it('sets the ids with their captions and the comment, and moves no time', () => {
    const next = applyChangesToOcsf(document, { StatusId: 2, SeverityId: 5, Comment: 'looked at' });
    expect(next).toEqual({
      ...document,
      severity_id: 5,
      severity: 'Critical',
      status_id: 2,
      status: 'In Progress',
      comment: 'looked at',
    });
    expect(document.status_id).toBe(1);
  });

  it('leaves what the changes do not name', () => {
    expect(applyChangesToOcsf(document, { Comment: 'only this' })).toEqual({
      ...document,
      comment: 'only this',
    });
  });

  it('maps back to the workflow status, severity and note that were asked for, at the same UpdatedAt', () => {
    const real = JSON.parse(
      readFileSync(
        new URL(
          '../../fixtures/real-findings-ocsf/inspector/elastic-ec2-python-cve-2025-8194-five-packages.json',
          import.meta.url,
        ),
        'utf8',
      ),
    ).finding;
    const compiled = compileTransformMap(OCSF_VULNERABILITY_MAP);
    if (!compiled.ok) throw new Error('the built-in OCSF map does not compile');
    const settings = { defaultSeverity: 'MEDIUM' as const };
    const before = mapOcsfFinding(real, compiled.map, settings);
    const { changes } = changesFromInput({
      workflowStatus: 'NOTIFIED',
      severity: { label: 'INFORMATIONAL' },
      note: { text: 'Ticket SEC-42', updatedBy: 'alice' },
    });
    const after = mapOcsfFinding(applyChangesToOcsf(real, changesV2Of(changes)), compiled.map, settings);
    if (!before.ok || !after.ok) throw new Error('the fixture does not map');
    expect(after.finding).toMatchObject({
      workflowStatus: 'NOTIFIED',
      severityLabel: 'INFORMATIONAL',
      note: { text: 'Ticket SEC-42' },
    });
    expect(after.finding.awsUpdatedAt).toEqual(before.finding.awsUpdatedAt);
  });
});
