export type FindingChangeType = 'CREATED' | 'UPDATED' | 'DELETED';

export interface FindingChangeEventModel {
  cursor: string;
  type: FindingChangeType;
  occurredAt: Date;
  findingId: string;
  changedFields: string[];
}

/** What the outbox stores for one change; `entityId` is the changed row's id. */
export interface NewEvent {
  topic: EventTopic;
  type: string;
  entityId: string;
  payload: Record<string, unknown>;
}

export type EventTopic =
  | 'finding'
  | 'connector'
  | 'run'
  | 'connector_test'
  | 'finding_update'
  | 'finding_export';

export interface ConnectorStateEventModel {
  cursor: string;
  connectorId: string;
  state: string;
  previousState: string | null;
  lastError: string | null;
  occurredAt: Date;
}
