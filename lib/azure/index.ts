// The azure entry point (`ftps-constructs/azure`). Its constructs land with their own issue.
export {};
