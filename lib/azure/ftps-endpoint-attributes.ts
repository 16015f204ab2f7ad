// What a client side (another stack, or another configuration) needs of an Azure FTPS endpoint.
import { FtpsOptions } from '../core';

/**
 * An Azure FTPS endpoint as other stacks and configurations see it: its NSG and the FTPS options it was made with.
 * `endpoint.attributes()` returns one; it is plain data (JSON), so another configuration can read it from a file
 * or a shared package and pass it to `FtpsClientRules` (`endpoint`) or spread it into an `FtpsEndpoint` that adds
 * its own clients to the same NSG (`{ ...attributes, clients, priority }`): the ports are never retyped.
 */
export interface FtpsEndpointAttributes extends FtpsOptions {
  /** The resource group of the endpoint's network security group. */
  readonly resourceGroupName: string;
  /** The name of the endpoint's network security group. */
  readonly networkSecurityGroupName: string;
  /**
   * The server addresses the endpoint's rules admit traffic to, when they were given (not "*").
   * @default none: the client side must name the servers
   */
  readonly serverAddressPrefixes?: string[];
}
