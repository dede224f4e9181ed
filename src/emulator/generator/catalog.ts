// What the generated findings are about: real CVE ids with their packages and CVSS vectors, real
// Security Hub controls, real GuardDuty finding types. Values are plausible, not authoritative.

export interface CveEntry {
  id: string;
  package: string;
  version: string;
  fixedIn: string | null;
  packageManager: 'OS' | 'PYTHONPKG' | 'JAR' | 'GOBINARY' | 'NODEPKG';
  cvss3: number;
  vector3: string;
  cvss2: number | null;
  vector2: string | null;
  epss: number;
  exploit: boolean;
  summary: string;
}

export const CVES: readonly CveEntry[] = [
  {
    id: 'CVE-2021-44228',
    package: 'log4j-core',
    version: '2.14.1',
    fixedIn: '2.17.1',
    packageManager: 'JAR',
    cvss3: 10,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
    cvss2: 9.3,
    vector2: 'AV:N/AC:M/Au:N/C:C/I:C/A:C',
    epss: 0.94358,
    exploit: true,
    summary:
      'Apache Log4j2 JNDI features do not protect against attacker controlled LDAP and other JNDI related endpoints, allowing remote code execution.',
  },
  {
    id: 'CVE-2024-3094',
    package: 'xz-utils',
    version: '5.6.0',
    fixedIn: '5.6.1+really5.4.5',
    packageManager: 'OS',
    cvss3: 10,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.8416,
    exploit: true,
    summary:
      'Malicious code was discovered in the upstream tarballs of xz, starting with version 5.6.0, that modifies the liblzma build.',
  },
  {
    id: 'CVE-2024-6387',
    package: 'openssh-server',
    version: '8.9p1',
    fixedIn: '8.9p1-3ubuntu0.10',
    packageManager: 'OS',
    cvss3: 8.1,
    vector3: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.41,
    exploit: true,
    summary:
      'A signal handler race condition was found in sshd, where a client that does not authenticate within LoginGraceTime may trigger remote code execution.',
  },
  {
    id: 'CVE-2023-44487',
    package: 'nghttp2',
    version: '1.43.0',
    fixedIn: '1.57.0',
    packageManager: 'OS',
    cvss3: 7.5,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.81,
    exploit: true,
    summary:
      'The HTTP/2 protocol allows a denial of service because request cancellation can reset many streams quickly (Rapid Reset).',
  },
  {
    id: 'CVE-2023-4863',
    package: 'libwebp',
    version: '1.2.4',
    fixedIn: '1.3.2',
    packageManager: 'OS',
    cvss3: 8.8,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.35,
    exploit: true,
    summary:
      'Heap buffer overflow in libwebp allowed a remote attacker to perform an out of bounds memory write via a crafted HTML page.',
  },
  {
    id: 'CVE-2023-38545',
    package: 'curl',
    version: '7.88.1',
    fixedIn: '8.4.0',
    packageManager: 'OS',
    cvss3: 9.8,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.27,
    exploit: false,
    summary: 'A heap based buffer overflow in the SOCKS5 proxy handshake of curl.',
  },
  {
    id: 'CVE-2022-3602',
    package: 'openssl',
    version: '3.0.5',
    fixedIn: '3.0.7',
    packageManager: 'OS',
    cvss3: 7.5,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.0211,
    exploit: false,
    summary:
      'A buffer overrun can be triggered in X.509 certificate verification, specifically in name constraint checking.',
  },
  {
    id: 'CVE-2023-5363',
    package: 'openssl',
    version: '3.0.10',
    fixedIn: '3.0.12',
    packageManager: 'OS',
    cvss3: 7.5,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N',
    cvss2: null,
    vector2: null,
    epss: 0.0088,
    exploit: false,
    summary:
      'Processing key and initialisation vector lengths can lead to potential truncation or overruns during the initialisation of some symmetric ciphers.',
  },
  {
    id: 'CVE-2024-2961',
    package: 'glibc',
    version: '2.36',
    fixedIn: '2.36-9+deb12u6',
    packageManager: 'OS',
    cvss3: 7.3,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L',
    cvss2: null,
    vector2: null,
    epss: 0.5211,
    exploit: true,
    summary:
      'The iconv() function in the GNU C Library may overflow the output buffer passed to it by up to 4 bytes when converting to ISO-2022-CN-EXT.',
  },
  {
    id: 'CVE-2022-37434',
    package: 'zlib',
    version: '1.2.11',
    fixedIn: '1.2.12',
    packageManager: 'OS',
    cvss3: 9.8,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.0128,
    exploit: false,
    summary:
      'zlib through 1.2.12 has a heap-based buffer over-read or buffer overflow in inflate in inflate.c via a large gzip header extra field.',
  },
  {
    id: 'CVE-2024-21626',
    package: 'runc',
    version: '1.1.5',
    fixedIn: '1.1.12',
    packageManager: 'GOBINARY',
    cvss3: 8.6,
    vector3: 'CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.031,
    exploit: true,
    summary:
      'An internal file descriptor leak in runc allowed a container process to gain access to the host filesystem (Leaky Vessels).',
  },
  {
    id: 'CVE-2023-24329',
    package: 'python3.11',
    version: '3.11.2',
    fixedIn: '3.11.4',
    packageManager: 'OS',
    cvss3: 7.5,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N',
    cvss2: null,
    vector2: null,
    epss: 0.0042,
    exploit: false,
    summary:
      'An issue in the urllib.parse component of Python allows attackers to bypass blocklisting methods by supplying a URL that starts with blank characters.',
  },
  {
    id: 'CVE-2022-42889',
    package: 'commons-text',
    version: '1.9',
    fixedIn: '1.10.0',
    packageManager: 'JAR',
    cvss3: 9.8,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.9681,
    exploit: true,
    summary:
      'Apache Commons Text performs variable interpolation, allowing properties to be dynamically evaluated and expanded (Text4Shell).',
  },
  {
    id: 'CVE-2022-40897',
    package: 'setuptools',
    version: '58.1.0',
    fixedIn: '65.5.1',
    packageManager: 'PYTHONPKG',
    cvss3: 5.9,
    vector3: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.0024,
    exploit: false,
    summary:
      'Python Packaging Authority setuptools before 65.5.1 allows remote attackers to cause a denial of service via HTML in a crafted package.',
  },
  {
    id: 'CVE-2023-39325',
    package: 'golang.org/x/net',
    version: '0.13.0',
    fixedIn: '0.17.0',
    packageManager: 'GOBINARY',
    cvss3: 7.5,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.0141,
    exploit: false,
    summary:
      'A malicious HTTP/2 client which rapidly creates requests and immediately resets them can cause excessive server resource consumption.',
  },
  {
    id: 'CVE-2024-45490',
    package: 'expat',
    version: '2.5.0',
    fixedIn: '2.6.3',
    packageManager: 'OS',
    cvss3: 9.8,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.0009,
    exploit: false,
    summary:
      'An issue was discovered in libexpat before 2.6.3: xmlparse.c does not reject a negative length for XML_ParseBuffer.',
  },
  {
    id: 'CVE-2023-29491',
    package: 'ncurses',
    version: '6.3',
    fixedIn: null,
    packageManager: 'OS',
    cvss3: 7.8,
    vector3: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.0005,
    exploit: false,
    summary:
      'ncurses before 6.4 20230408, when used by a setuid application, allows local users to trigger security-relevant memory corruption via malformed data.',
  },
  {
    id: 'CVE-2019-10744',
    package: 'lodash',
    version: '4.17.11',
    fixedIn: '4.17.12',
    packageManager: 'NODEPKG',
    cvss3: 9.1,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H',
    cvss2: 6.4,
    vector2: 'AV:N/AC:L/Au:N/C:N/I:P/A:P',
    epss: 0.0171,
    exploit: false,
    summary: 'Versions of lodash lower than 4.17.12 are vulnerable to Prototype Pollution via defaultsDeep.',
  },
  {
    id: 'CVE-2018-1000656',
    package: 'flask',
    version: '0.12.2',
    fixedIn: '0.12.3',
    packageManager: 'PYTHONPKG',
    cvss3: 7.5,
    vector3: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
    cvss2: 5.0,
    vector2: 'AV:N/AC:L/Au:N/C:N/I:N/A:P',
    epss: 0.0062,
    exploit: false,
    summary:
      'The Pallets Project flask version before 0.12.3 contains a CWE-20 vulnerability in flask that can result in a large amount of memory usage.',
  },
  {
    id: 'CVE-2023-45853',
    package: 'zlib',
    version: '1.2.13',
    fixedIn: null,
    packageManager: 'OS',
    cvss3: 9.8,
    vector3: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    cvss2: null,
    vector2: null,
    epss: 0.0165,
    exploit: false,
    summary:
      'MiniZip in zlib through 1.3 has an integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_64.',
  },
];

export interface ControlEntry {
  id: string;
  title: string;
  description: string;
  severity: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  resourceType: 'AwsEc2Instance' | 'AwsAccount' | 'AwsS3Bucket' | 'AwsIamUser';
  /** Whether the resource is global (the same ARN in every region). */
  global: boolean;
}

export const CONTROLS: readonly ControlEntry[] = [
  {
    id: 'EC2.8',
    title: 'EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)',
    description:
      'This control checks whether your Amazon EC2 instance metadata version is configured with Instance Metadata Service Version 2 (IMDSv2).',
    severity: 'HIGH',
    resourceType: 'AwsEc2Instance',
    global: false,
  },
  {
    id: 'EC2.9',
    title: 'Amazon EC2 instances should not have a public IPv4 address',
    description: 'This control checks whether EC2 instances have a public IP address.',
    severity: 'HIGH',
    resourceType: 'AwsEc2Instance',
    global: false,
  },
  {
    id: 'SSM.1',
    title: 'Amazon EC2 instances should be managed by AWS Systems Manager',
    description:
      'This control checks whether the EC2 instances in your account are managed by AWS Systems Manager.',
    severity: 'MEDIUM',
    resourceType: 'AwsEc2Instance',
    global: false,
  },
  {
    id: 'IAM.6',
    title: 'Hardware MFA should be enabled for the root user',
    description:
      'This control checks whether your AWS account is enabled to use a hardware multi-factor authentication (MFA) device to sign in with root user credentials.',
    severity: 'CRITICAL',
    resourceType: 'AwsAccount',
    global: true,
  },
  {
    id: 'S3.8',
    title: 'S3 general purpose buckets should block public access',
    description:
      'This control checks whether an Amazon S3 general purpose bucket blocks public access at the bucket level.',
    severity: 'HIGH',
    resourceType: 'AwsS3Bucket',
    global: true,
  },
  {
    id: 'IAM.3',
    title: "IAM users' access keys should be rotated every 90 days or less",
    description: 'This control checks whether active IAM access keys are rotated within 90 days.',
    severity: 'MEDIUM',
    resourceType: 'AwsIamUser',
    global: true,
  },
  {
    id: 'CloudTrail.2',
    title: 'CloudTrail should have encryption at-rest enabled',
    description:
      'This control checks whether CloudTrail is configured to use server-side encryption (SSE) AWS KMS key encryption.',
    severity: 'MEDIUM',
    resourceType: 'AwsAccount',
    global: false,
  },
];

export const STANDARDS = [
  {
    id: 'aws-foundational-security-best-practices/v/1.0.0',
    arn: 'arn:aws:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0',
  },
  {
    id: 'cis-aws-foundations-benchmark/v/3.0.0',
    arn: 'arn:aws:securityhub:{region}::standards/cis-aws-foundations-benchmark/v/3.0.0',
  },
  { id: 'nist-800-53/v/5.0.0', arn: 'arn:aws:securityhub:{region}::standards/nist-800-53/v/5.0.0' },
] as const;

export const GUARDDUTY_TYPES = [
  {
    type: 'Backdoor:EC2/C&CActivity.B!DNS',
    asffType: 'TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS',
    title: 'Command and Control server domain name queried by EC2 instance {instance}.',
    severity: 8,
    label: 'HIGH',
  },
  {
    type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
    asffType: 'TTPs/Impact/CryptoCurrency:EC2-BitcoinTool.B!DNS',
    title: 'Bitcoin-related domain name queried by EC2 instance {instance}.',
    severity: 8,
    label: 'HIGH',
  },
  {
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    asffType: 'TTPs/Discovery/Recon:EC2-PortProbeUnprotectedPort',
    title: 'Unprotected port on EC2 instance {instance} is being probed.',
    severity: 2,
    label: 'LOW',
  },
  {
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    asffType: 'TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce',
    title: 'SSH brute force attacks against {instance}.',
    severity: 5,
    label: 'MEDIUM',
  },
  {
    type: 'Trojan:EC2/DropPoint!DNS',
    asffType: 'TTPs/Exfiltration/Trojan:EC2-DropPoint!DNS',
    title: 'Drop Point domain name queried by EC2 instance {instance}.',
    severity: 5,
    label: 'MEDIUM',
  },
] as const;

export const PARTNER_CHECKS = [
  {
    id: 'ec2_instance_imdsv2_enabled',
    title: 'Ensure Instance Metadata Service Version 2 (IMDSv2) is enforced',
    original: 'high',
  },
  {
    id: 'ec2_instance_public_ip',
    title: 'Ensure EC2 instances do not have a public IP address',
    original: 'medium',
  },
  { id: 'ec2_ebs_volume_encryption', title: 'Ensure EBS volumes are encrypted', original: 'medium' },
  {
    id: 'ec2_instance_older_than_specific_days',
    title: 'Check EC2 instances older than 180 days',
    original: 'low',
  },
] as const;
