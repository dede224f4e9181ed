import type { ConnectorRow, RunRow } from '../db/schema.ts';

export type ConnectorModel = ConnectorRow;
export type ConnectorRunModel = RunRow;
