// The aws entry point (`ftps-constructs/aws`). Its constructs land with their own issue.
export {};
