import { UserInputError } from '../errors.ts';
import type { Resolvers } from '../generated/graphql.ts';
import { keyOf, toGlobalId } from '../global-id.ts';
import { selectsField } from '../graphql/selection.ts';
import { searchFindings, statsOfFindings } from './service.ts';
import { findingChanges } from './subscriptions.ts';

export const findingResolvers: Resolvers = {
  Query: {
    findings: (_, args, ctx) => searchFindings(ctx.tenant, args),
    finding: (_, { id }, ctx) => ctx.loaders.findings.byId.load(keyOf('Finding', id, ['id'])),
    findingStats: (_, { filter }, ctx) => statsOfFindings(ctx.tenant, filter),
  },
  Subscription: {
    findingsChanged: {
      subscribe: (_, { filter, after }, ctx, info) =>
        findingChanges(ctx, filter, after, {
          finding: selectsField(info, 'finding'),
          asset: selectsField(info, 'asset'),
        }),
    },
  },
  Finding: {
    // Either key: `id`, or the AWS identity `productArn awsId` (batched per request by the loaders).
    __resolveReference: (reference: { id?: string; productArn?: string; awsId?: string }, ctx) => {
      if (reference.id !== undefined)
        return ctx.loaders.findings.byId.load(keyOf('Finding', reference.id, ['representations', 'id']));
      if (reference.productArn !== undefined && reference.awsId !== undefined)
        return ctx.loaders.findings.byAwsIdentity.load({
          productArn: reference.productArn,
          awsId: reference.awsId,
        });
      throw new UserInputError('A Finding reference needs `id`, or `productArn` and `awsId`.', [
        'representations',
      ]);
    },
    id: (finding) => toGlobalId('Finding', finding.id),
    source: () => 'aws_security_hub',
    findingName: (finding) => finding.title,
    severity: (finding) => ({
      label: finding.severityLabel as never,
      normalized: finding.severityNormalized,
      original: finding.severityOriginal,
    }),
    riskFactors: (finding) => finding.scoreFactors,
    vulnerablePackage: (finding) =>
      finding.vulnerablePackageName
        ? {
            name: finding.vulnerablePackageName,
            installedVersion: finding.vulnerablePackageVersion,
            fixedVersion: finding.fixedVersion,
          }
        : null,
    exploitAvailable: (finding) => finding.exploitAvailable as never,
    fixAvailable: (finding) => finding.fixAvailable as never,
    compliance: (finding) =>
      finding.complianceStatus || finding.securityControlId
        ? { status: finding.complianceStatus as never, securityControlId: finding.securityControlId }
        : null,
    note: (finding) => finding.note,
    asset: (finding, _, ctx) => (finding.assetId ? ctx.loaders.assets.byId.load(finding.assetId) : null),
    connector: (finding, _, ctx) =>
      finding.connectorId ? ctx.loaders.connectors.byId.load(finding.connectorId) : null,
    createdAt: (finding) => finding.awsCreatedAt,
    updatedAt: (finding) => finding.awsUpdatedAt,
    ingestedAt: (finding) => finding.createdAt,
    syncedAt: (finding) => finding.updatedAt,
    lastReadAt: (finding) => finding.lastSyncedAt,
    raw: async (finding, _, ctx) => (await ctx.loaders.findings.raw.load(finding.id)) ?? {},
    duplicates: async (finding, _, ctx) =>
      finding.dedupKey
        ? (await ctx.loaders.findings.group.load(finding.dedupKey)).filter(
            (member) => member.id !== finding.id,
          )
        : [],
    primary: async (finding, _, ctx) =>
      finding.dedupKey
        ? ((await ctx.loaders.findings.group.load(finding.dedupKey)).find((member) => member.isPrimary) ??
          null)
        : null,
  },
  FindingStats: {},
};
