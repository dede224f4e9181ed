import type { FindingChangesInput } from '../generated/graphql.ts';
import { type UserErrorModel, userError } from '../user-errors.ts';

// What a `findingsUpdate` may change, checked against BatchUpdateFindings' own limits before
// anything is sent (the SDK validates nothing: research/aws-api.md §0), and turned into the
// request body. Pure: the same input always gives the same body or the same errors.

/** The BatchUpdateFindings body without FindingIdentifiers, as the outbox records it. */
export interface BatchUpdateChanges {
  Workflow?: { Status: string };
  Note?: { Text: string; UpdatedBy: string };
  Severity?: { Label?: string; Normalized?: number };
  VerificationState?: string;
  Confidence?: number;
  Criticality?: number;
  Types?: string[];
  UserDefinedFields?: Record<string, string>;
  RelatedFindings?: { ProductArn: string; Id: string }[];
}

/** Security Hub's finding type namespaces (ASFF `Types`: `namespace/category/classifier`). */
export const TYPE_NAMESPACES = [
  'Software and Configuration Checks',
  'TTPs',
  'Effects',
  'Unusual Behaviors',
  'Sensitive Data Identifications',
] as const;

export const LIMITS = {
  noteText: 512,
  noteUpdatedBy: 512,
  types: 50,
  userDefinedFields: 50,
  userDefinedFieldName: 128,
  userDefinedFieldValue: 1024,
  relatedFindings: 10,
  relatedFindingId: 512,
} as const;

/** Security Hub's label cut-offs for a normalized severity: 0 / 1–39 / 40–69 / 70–89 / 90–100. */
export function labelOfNormalized(normalized: number): string {
  if (normalized === 0) return 'INFORMATIONAL';
  if (normalized < 40) return 'LOW';
  if (normalized < 70) return 'MEDIUM';
  if (normalized < 90) return 'HIGH';
  return 'CRITICAL';
}

/** The label's normalized value, as AWS fills it in. */
export const NORMALIZED_OF_LABEL: Record<string, number> = {
  INFORMATIONAL: 0,
  LOW: 1,
  MEDIUM: 40,
  HIGH: 70,
  CRITICAL: 90,
};

/** Every problem of the changes at once, with its path under `input.changes`; or the body to send. */
export function changesFromInput(input: FindingChangesInput): {
  changes: BatchUpdateChanges;
  errors: UserErrorModel[];
} {
  const at = (...path: (string | number)[]) => ['input', 'changes', ...path];
  const errors: UserErrorModel[] = [];
  const changes: BatchUpdateChanges = {};
  if (input.workflowStatus != null) changes.Workflow = { Status: input.workflowStatus };
  if (input.note != null) {
    const { text, updatedBy } = input.note;
    if (text.trim() === '') errors.push(userError(at('note', 'text'), 'A note needs text.', 'REQUIRED'));
    if (text.length > LIMITS.noteText)
      errors.push(
        userError(at('note', 'text'), `A note is at most ${LIMITS.noteText} characters.`, 'TOO_LONG'),
      );
    if (updatedBy.trim() === '')
      errors.push(userError(at('note', 'updatedBy'), 'Say who wrote the note (updatedBy).', 'REQUIRED'));
    if (updatedBy.length > LIMITS.noteUpdatedBy)
      errors.push(
        userError(
          at('note', 'updatedBy'),
          `updatedBy is at most ${LIMITS.noteUpdatedBy} characters.`,
          'TOO_LONG',
        ),
      );
    changes.Note = { Text: text, UpdatedBy: updatedBy };
  }
  if (input.severity != null) {
    const { label, normalized } = input.severity;
    if (label == null && normalized == null)
      errors.push(userError(at('severity'), 'Give a severity label or a normalized value.', 'REQUIRED'));
    else if (normalized != null && (normalized < 0 || normalized > 100))
      errors.push(userError(at('severity', 'normalized'), 'Normalized severity is 0–100.', 'OUT_OF_RANGE'));
    else if (label != null && normalized != null && labelOfNormalized(normalized) !== label)
      errors.push(
        userError(
          at('severity', 'label'),
          `A normalized severity of ${normalized} is ${labelOfNormalized(normalized)} (cut-offs 0 / 1–39 / 40–69 / 70–89 / 90–100), not ${label}; give one of them, or both in agreement.`,
          'INVALID',
        ),
      );
    else
      changes.Severity = {
        ...(label != null ? { Label: label } : {}),
        ...(normalized != null ? { Normalized: normalized } : {}),
      };
  }
  if (input.verificationState != null) changes.VerificationState = input.verificationState;
  for (const field of ['confidence', 'criticality'] as const) {
    const value = input[field];
    if (value == null) continue;
    if (value < 0 || value > 100) errors.push(userError(at(field), `${field} is 0–100.`, 'OUT_OF_RANGE'));
    else changes[field === 'confidence' ? 'Confidence' : 'Criticality'] = value;
  }
  if (input.types != null) {
    if (input.types.length > LIMITS.types)
      errors.push(userError(at('types'), `At most ${LIMITS.types} types.`, 'TOO_LONG'));
    input.types.forEach((type, index) => {
      const parts = type.split('/');
      if (!(TYPE_NAMESPACES as readonly string[]).includes(parts[0]!))
        errors.push(
          userError(
            at('types', index),
            `"${type}" must start with one of Security Hub's namespaces: ${TYPE_NAMESPACES.join(', ')} (namespace/category/classifier).`,
            'INVALID',
          ),
        );
      else if (parts.length > 3 || parts.some((part) => part.trim() === ''))
        errors.push(
          userError(
            at('types', index),
            `"${type}" must read namespace/category/classifier (category and classifier optional, none empty).`,
            'INVALID',
          ),
        );
    });
    changes.Types = input.types;
  }
  if (input.userDefinedFields != null) {
    const fields = input.userDefinedFields;
    if (fields.length > LIMITS.userDefinedFields)
      errors.push(
        userError(
          at('userDefinedFields'),
          `At most ${LIMITS.userDefinedFields} user-defined fields.`,
          'TOO_LONG',
        ),
      );
    const names = new Set<string>();
    const record: Record<string, string> = {};
    fields.forEach(({ name, value }, index) => {
      if (name.length < 1 || name.length > LIMITS.userDefinedFieldName)
        errors.push(
          userError(
            at('userDefinedFields', index, 'name'),
            `A field name is 1–${LIMITS.userDefinedFieldName} characters.`,
            name.length < 1 ? 'REQUIRED' : 'TOO_LONG',
          ),
        );
      if (value.length < 1 || value.length > LIMITS.userDefinedFieldValue)
        errors.push(
          userError(
            at('userDefinedFields', index, 'value'),
            `A field value is 1–${LIMITS.userDefinedFieldValue} characters.`,
            value.length < 1 ? 'REQUIRED' : 'TOO_LONG',
          ),
        );
      if (names.has(name))
        errors.push(
          userError(at('userDefinedFields', index, 'name'), `"${name}" is given twice.`, 'DUPLICATE'),
        );
      names.add(name);
      record[name] = value;
    });
    changes.UserDefinedFields = record;
  }
  if (input.relatedFindings != null) {
    const related = input.relatedFindings;
    if (related.length > LIMITS.relatedFindings)
      errors.push(
        userError(at('relatedFindings'), `At most ${LIMITS.relatedFindings} related findings.`, 'TOO_LONG'),
      );
    related.forEach(({ productArn, id }, index) => {
      if (!/^arn:aws[a-z-]*:securityhub:[a-z0-9-]+:\d{0,12}:product\/[^/]+\/[^/]+$/.test(productArn))
        errors.push(
          userError(
            at('relatedFindings', index, 'productArn'),
            `"${productArn}" is not a Security Hub product ARN (arn:aws:securityhub:<region>:<account>:product/<company>/<product>).`,
            'INVALID',
          ),
        );
      if (id.length < 1 || id.length > LIMITS.relatedFindingId)
        errors.push(
          userError(
            at('relatedFindings', index, 'id'),
            `A finding Id is 1–${LIMITS.relatedFindingId} characters.`,
            id.length < 1 ? 'REQUIRED' : 'TOO_LONG',
          ),
        );
    });
    changes.RelatedFindings = related.map(({ productArn, id }) => ({ ProductArn: productArn, Id: id }));
  }
  if (errors.length === 0 && Object.keys(changes).length === 0)
    errors.push(userError(['input', 'changes'], 'Give at least one change.', 'REQUIRED'));
  return { changes, errors };
}

/**
 * A finding's ASFF with the changes applied as Security Hub applies them (the emulator does the
 * same): what a sync would read back, so the local copy and a later sync agree.
 */
export function applyChangesToAsff(
  raw: Record<string, unknown>,
  changes: BatchUpdateChanges,
  now: Date,
): Record<string, unknown> {
  const next = structuredClone(raw);
  if (changes.Workflow) {
    next.Workflow = { Status: changes.Workflow.Status };
    if ('WorkflowState' in next) next.WorkflowState = workflowStateOf(changes.Workflow.Status);
  }
  if (changes.Note) next.Note = { ...changes.Note, UpdatedAt: now.toISOString() };
  if (changes.Severity) {
    const label = changes.Severity.Label ?? labelOfNormalized(changes.Severity.Normalized!);
    next.Severity = {
      ...((next.Severity as Record<string, unknown> | undefined) ?? {}),
      Label: label,
      Normalized: changes.Severity.Normalized ?? NORMALIZED_OF_LABEL[label],
    };
  }
  if (changes.VerificationState !== undefined) next.VerificationState = changes.VerificationState;
  if (changes.Confidence !== undefined) next.Confidence = changes.Confidence;
  if (changes.Criticality !== undefined) next.Criticality = changes.Criticality;
  if (changes.Types) next.Types = [...changes.Types];
  if (changes.UserDefinedFields) next.UserDefinedFields = { ...changes.UserDefinedFields };
  if (changes.RelatedFindings) next.RelatedFindings = changes.RelatedFindings.map((entry) => ({ ...entry }));
  return next;
}

/** The deprecated WorkflowState Security Hub keeps beside Workflow.Status. */
function workflowStateOf(status: string): string {
  switch (status) {
    case 'NOTIFIED':
      return 'ASSIGNED';
    case 'RESOLVED':
      return 'RESOLVED';
    case 'SUPPRESSED':
      return 'DEFERRED';
    default:
      return 'NEW';
  }
}

// --- The new Security Hub (BatchUpdateFindingsV2) ----------------------------------------------

/**
 * The BatchUpdateFindingsV2 body without its targets: all the new Security Hub lets anyone change
 * of an OCSF finding (research/ocsf-v2.md §4). The status and severity captions follow the ids.
 */
export interface BatchUpdateChangesV2 {
  Comment?: string;
  SeverityId?: number;
  StatusId?: number;
}

/** Severity label → OCSF 1.6 severity_id (the inverse of the mapping's, src/mapping/ocsf/asff-view.ts). */
const SEVERITY_ID_OF_LABEL: Record<string, number> = {
  INFORMATIONAL: 1,
  LOW: 2,
  MEDIUM: 3,
  HIGH: 4,
  CRITICAL: 5,
};

/** Workflow status → OCSF 1.6 status_id. NOTIFIED is what OCSF calls In Progress (research §2). */
const STATUS_ID_OF_WORKFLOW: Record<string, number> = { NEW: 1, NOTIFIED: 2, SUPPRESSED: 3, RESOLVED: 4 };

/** OCSF 1.6's captions of the ids above, which AWS sets beside them. */
const SEVERITY_CAPTIONS: Record<number, string> = {
  1: 'Informational',
  2: 'Low',
  3: 'Medium',
  4: 'High',
  5: 'Critical',
};
const STATUS_CAPTIONS: Record<number, string> = {
  1: 'New',
  2: 'In Progress',
  3: 'Suppressed',
  4: 'Resolved',
};

/** What V2 cannot change, as the input names it (`input.changes.<field>`). */
export function fieldsV2CannotChange(changes: BatchUpdateChanges): string[] {
  const fields: string[] = [];
  if (changes.Severity?.Normalized !== undefined) fields.push('severity.normalized');
  if (changes.VerificationState !== undefined) fields.push('verificationState');
  if (changes.Confidence !== undefined) fields.push('confidence');
  if (changes.Criticality !== undefined) fields.push('criticality');
  if (changes.Types !== undefined) fields.push('types');
  if (changes.UserDefinedFields !== undefined) fields.push('userDefinedFields');
  if (changes.RelatedFindings !== undefined) fields.push('relatedFindings');
  return fields;
}

/**
 * The recorded changes as BatchUpdateFindingsV2 takes them: the workflow status as StatusId, the
 * severity label as SeverityId, the note's text as Comment (V2 keeps no author: Hubgraph's own
 * record of the request says who asked). Only for changes `fieldsV2CannotChange` has nothing against.
 */
export function changesV2Of(changes: BatchUpdateChanges): BatchUpdateChangesV2 {
  const body: BatchUpdateChangesV2 = {};
  if (changes.Note) body.Comment = changes.Note.Text;
  if (changes.Severity?.Label) body.SeverityId = SEVERITY_ID_OF_LABEL[changes.Severity.Label];
  if (changes.Workflow) body.StatusId = STATUS_ID_OF_WORKFLOW[changes.Workflow.Status];
  return body;
}

/**
 * A finding's OCSF document with the V2 changes applied as the new Security Hub applies them (the
 * emulator does the same). `finding_info.modified_time` stays: BatchUpdateFindingsV2 does not move it.
 */
export function applyChangesToOcsf(
  raw: Record<string, unknown>,
  changes: BatchUpdateChangesV2,
): Record<string, unknown> {
  const next = structuredClone(raw);
  if (changes.Comment !== undefined) next.comment = changes.Comment;
  if (changes.SeverityId !== undefined) {
    next.severity_id = changes.SeverityId;
    next.severity = SEVERITY_CAPTIONS[changes.SeverityId];
  }
  if (changes.StatusId !== undefined) {
    next.status_id = changes.StatusId;
    next.status = STATUS_CAPTIONS[changes.StatusId];
  }
  return next;
}
