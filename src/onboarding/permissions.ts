// The AWS actions Hubgraph calls with a connector's credentials, each with what it calls it for: the
// permissions policy of `awsSetup` is made of exactly these. test/unit/onboarding/permissions.test.ts
// checks them against the SDK commands the code sends, so a new call cannot ship without its
// permission, nor a permission linger after its call is gone.

export interface ActionUse {
  action: string;
  purpose: string;
  /** Needed only when the connector has write-back on. */
  writeBack: boolean;
  /** Needed only when the connector has export on (findingsExport). */
  export: boolean;
}

export const SECURITY_HUB_ACTIONS: readonly ActionUse[] = [
  {
    action: 'securityhub:GetFindings',
    purpose: 'The sync reads findings page by page; the connection test reads one to prove access.',
    writeBack: false,
    export: false,
  },
  {
    action: 'securityhub:DescribeHub',
    purpose: 'The connection test asks whether Security Hub is enabled in each Region.',
    writeBack: false,
    export: false,
  },
  {
    action: 'securityhub:ListFindingAggregators',
    purpose:
      "The sync and the connection test look for a finding aggregator (cross-Region aggregation), so linked Regions' findings are read once.",
    writeBack: false,
    export: false,
  },
  {
    action: 'securityhub:GetFindingAggregator',
    purpose: 'The sync reads which Regions the aggregator links.',
    writeBack: false,
    export: false,
  },
  {
    action: 'securityhub:GetFindingHistory',
    purpose:
      "Finding.history shows Security Hub's record of a finding's changes (without it, history shows Hubgraph's record only).",
    writeBack: false,
    export: false,
  },
  {
    action: 'securityhub:BatchUpdateFindings',
    purpose:
      'findingsUpdate writes workflow status, notes and severity back to Security Hub; the connection test probes it.',
    writeBack: true,
    export: false,
  },
  {
    action: 'securityhub:BatchImportFindings',
    purpose:
      "findingsExport sends findings to Security Hub under the account's default product (a custom integration).",
    writeBack: false,
    export: true,
  },
  {
    action: 'securityhub:ListEnabledProductsForImport',
    purpose:
      "findingsExport checks, per Region, that the account's default product integration takes imports.",
    writeBack: false,
    export: true,
  },
];

/** The actions a connector needs: the reads always, write-back's and export's when they are on. */
export function actionsFor(writeBack: boolean, exportFindings = false): ActionUse[] {
  return SECURITY_HUB_ACTIONS.filter(
    (use) => (writeBack || !use.writeBack) && (exportFindings || !use.export),
  );
}
