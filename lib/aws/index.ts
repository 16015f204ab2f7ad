// `ftps-constructs/aws`: aws-cdk-lib constructs.
export * from './ftps-endpoint';
