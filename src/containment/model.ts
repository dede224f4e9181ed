import type { ContainmentActionRow } from '../db/schema.ts';

/** An audit log entry as stored; the resolvers reshape the protocol and ids. */
export type ContainmentActionModel = ContainmentActionRow;

/** One ACL entry or security-group rule an action added or removed (stored in `changes`). */
export interface ContainmentChangeModel {
  operation: 'ADDED' | 'REMOVED';
  resource: 'NETWORK_ACL_ENTRY' | 'SECURITY_GROUP_RULE';
  resourceId: string;
  ruleNumber: number | null;
  egress: boolean;
  ruleAction: 'allow' | 'deny';
  cidr: string;
  protocol: string;
  fromPort: number | null;
  toPort: number | null;
}
