import type { Resolvers } from '../generated/graphql.ts';
import { toGlobalId } from '../global-id.ts';
import { findingHistory } from './history.ts';
import { DEFAULT_WRITE_BACK_SETTINGS, updateFindings } from './service.ts';
import { findingsUpdateProgress } from './subscriptions.ts';

export const writeBackResolvers: Resolvers = {
  Mutation: {
    findingsUpdate: async (_, { input }, ctx) => {
      const payload = await updateFindings(ctx.tenant, input, ctx.subject ?? null, {
        ...DEFAULT_WRITE_BACK_SETTINGS,
        // The job that resumes it waits as long as the workers do before taking an idle request over.
        resumeAfterIdleMs: ctx.app.config.writeBack.resumeAfterSeconds * 1000,
      });
      // The request's loaders must answer with the findings as they are now.
      ctx.loaders.findings.byId.clearAll();
      return payload;
    },
  },
  Subscription: {
    findingsUpdateProgress: {
      subscribe: (_, { requestId, after }, ctx) => findingsUpdateProgress(ctx, requestId, after),
    },
  },
  Finding: {
    history: (finding, args, ctx) => findingHistory(ctx.tenant, finding, args),
  },
  FindingUpdateResult: {
    findingId: (result) => toGlobalId('Finding', result.findingId),
    finding: (result, _, ctx) => ctx.loaders.findings.byId.load(result.findingId),
  },
};
