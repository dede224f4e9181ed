import { type UserErrorModel, userError } from '../user-errors.ts';

// How long a prepared connector lives, and what an id that answers to nothing means: shared by
// onboarding and by the connector service, which takes prepared connectors' external IDs.

/** Unused this long, a prepared connector expires; each use (a draft test, a regeneration) extends it. */
export const PREPARED_CONNECTOR_TTL_DAYS = 14;

export function preparedConnectorExpiry(now: Date): Date {
  return new Date(now.getTime() + PREPARED_CONNECTOR_TTL_DAYS * 86_400_000);
}

/** The userError of a prepared connector id that answers to nothing (unknown, consumed or expired). */
export function preparedNotFound(id: string, field: string[]): UserErrorModel {
  return userError(
    field,
    `No prepared connector has the id "${id}": it was used by connectorCreate, expired (${PREPARED_CONNECTOR_TTL_DAYS} days unused) or never existed. Call connectorPrepare for a new one (a new external ID: the role's trust policy must then name it).`,
    'NOT_FOUND',
  );
}
