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
  /** Needed only when the connector has containment on (ipBlock/ipAllow). */
  containment: boolean;
}

export const SECURITY_HUB_ACTIONS: readonly ActionUse[] = [
  {
    action: 'securityhub:GetFindings',
    purpose:
      'The sync reads findings page by page (GetFindings for CSPM, GetFindingsV2 for the new Security Hub: AWS checks both against this permission); the connection test reads one to prove access.',
    writeBack: false,
    export: false,
    containment: false,
  },
  {
    action: 'securityhub:DescribeHub',
    purpose: 'The connection test asks whether Security Hub is enabled in each Region.',
    writeBack: false,
    export: false,
    containment: false,
  },
  {
    action: 'securityhub:ListFindingAggregators',
    purpose:
      "The sync and the connection test look for a finding aggregator (cross-Region aggregation), so linked Regions' findings are read once.",
    writeBack: false,
    export: false,
    containment: false,
  },
  {
    action: 'securityhub:GetFindingAggregator',
    purpose: 'The sync reads which Regions the aggregator links.',
    writeBack: false,
    export: false,
    containment: false,
  },
  {
    action: 'securityhub:DescribeSecurityHubV2',
    purpose:
      'The connection test and the first run ask whether the new Security Hub is enabled in each Region (which API a connector reads).',
    writeBack: false,
    export: false,
    containment: false,
  },
  {
    action: 'securityhub:ListAggregatorsV2',
    purpose:
      "The sync looks for the new Security Hub's aggregator, so linked Regions' OCSF findings are read once.",
    writeBack: false,
    export: false,
    containment: false,
  },
  {
    action: 'securityhub:GetAggregatorV2',
    purpose: "The sync reads which Regions the new Security Hub's aggregator links.",
    writeBack: false,
    export: false,
    containment: false,
  },
  {
    action: 'securityhub:GetResourcesV2',
    purpose:
      "A connector on the new Security Hub that syncs ASSETS reads its resource inventory (each resource with Security Hub's own count of its findings).",
    writeBack: false,
    export: false,
    containment: false,
  },
  {
    action: 'securityhub:GetFindingHistory',
    purpose:
      "Finding.history shows Security Hub's record of a finding's changes (without it, history shows Hubgraph's record only).",
    writeBack: false,
    export: false,
    containment: false,
  },
  {
    action: 'securityhub:BatchUpdateFindings',
    purpose:
      "findingsUpdate writes workflow status, notes and severity back to Security Hub: BatchUpdateFindings for CSPM's findings, BatchUpdateFindingsV2 for the new Security Hub's (AWS checks both against this permission; securityhub:OCSFSyntaxPath conditions, if any, must allow StatusId, SeverityId and Comment); the connection test probes it.",
    writeBack: true,
    export: false,
    containment: false,
  },
  {
    action: 'securityhub:BatchImportFindings',
    purpose:
      "findingsExport sends findings to Security Hub under the account's default product (a custom integration).",
    writeBack: false,
    export: true,
    containment: false,
  },
  {
    action: 'securityhub:ListEnabledProductsForImport',
    purpose:
      "findingsExport checks, per Region, that the account's default product integration takes imports.",
    writeBack: false,
    export: true,
    containment: false,
  },
];

/** What containment calls in EC2 (src/containment/service.ts), each only with containment on. */
export const CONTAINMENT_ACTIONS: readonly ActionUse[] = [
  {
    action: 'ec2:DescribeVpcs',
    purpose: "ipBlock reads the VPC's own CIDRs, which it never blocks.",
    writeBack: false,
    export: false,
    containment: true,
  },
  {
    action: 'ec2:DescribeNatGateways',
    purpose: "ipBlock reads the account's NAT gateways, whose public addresses it never blocks.",
    writeBack: false,
    export: false,
    containment: true,
  },
  {
    action: 'ec2:DescribeNetworkAcls',
    purpose:
      "ipBlock and ipAllow read the VPC's network ACLs to number a deny entry below the allow rules and to find Hubgraph's entries again.",
    writeBack: false,
    export: false,
    containment: true,
  },
  {
    action: 'ec2:CreateNetworkAclEntry',
    purpose:
      'ipBlock adds a network ACL deny entry for the hostile range; the connection test probes it with DryRun.',
    writeBack: false,
    export: false,
    containment: true,
  },
  {
    action: 'ec2:DeleteNetworkAclEntry',
    purpose: 'ipAllow deletes the deny entries Hubgraph added, and nothing else.',
    writeBack: false,
    export: false,
    containment: true,
  },
  {
    action: 'ec2:DescribeSecurityGroups',
    purpose: 'ipBlock with method SECURITY_GROUP finds the ingress rules that let the range in.',
    writeBack: false,
    export: false,
    containment: true,
  },
  {
    action: 'ec2:RevokeSecurityGroupIngress',
    purpose: 'ipBlock with method SECURITY_GROUP removes the ingress rules that let exactly the range in.',
    writeBack: false,
    export: false,
    containment: true,
  },
  {
    action: 'ec2:AuthorizeSecurityGroupIngress',
    purpose: 'ipAllow puts back the security-group rules Hubgraph removed.',
    writeBack: false,
    export: false,
    containment: true,
  },
];

/** What the connector's switches turn on beyond the reads. */
export interface ActionOptions {
  exportFindings?: boolean;
  containment?: boolean;
}

/**
 * The actions a connector needs: the reads always, the write-back action when write-back is on,
 * export's when export is on, the EC2 actions of containment when containment is on.
 */
export function actionsFor(writeBack: boolean, options: ActionOptions = {}): ActionUse[] {
  return [
    ...SECURITY_HUB_ACTIONS.filter(
      (use) => (writeBack || !use.writeBack) && (options.exportFindings || !use.export),
    ),
    ...(options.containment ? CONTAINMENT_ACTIONS : []),
  ];
}
