// `ftps-constructs/aws`: aws-cdk-lib constructs.
export * from './ftps-endpoint';
export * from './ftps-server';
export * from './transfer-ftps-server';
