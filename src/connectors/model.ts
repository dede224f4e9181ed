import type { ConnectorRow } from '../db/schema.ts';

export type ConnectorModel = ConnectorRow;
