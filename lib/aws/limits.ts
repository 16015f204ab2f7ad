// AWS limits the constructs check at construction and at synth (FTPS-FACTS.md, "Cloud limits").

/** EC2's default quota of rules per security group and direction (IPv4 and IPv6 counted separately). */
export const DEFAULT_SECURITY_GROUP_RULE_LIMIT = 60;
/** EC2's default quota of network ACL rules per direction. */
export const DEFAULT_NETWORK_ACL_RULE_LIMIT = 20;
/** The highest network ACL rule number EC2 accepts. */
export const MAX_NACL_RULE_NUMBER = 32766;
/** CloudFormation's limit of resources per stack. */
export const STACK_RESOURCE_LIMIT = 500;
