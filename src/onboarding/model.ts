import type { PreparedConnectorRow } from '../db/schema.ts';

export type PreparedConnectorModel = PreparedConnectorRow;
