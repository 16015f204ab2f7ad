// cdktf's jest matchers (toHaveResourceWithProperties, ...), for the Azure tests.
import 'cdktf/lib/testing/adapters/jest';
import { Testing } from 'cdktf';

Testing.setupJest();
