// Azure's documented service tags (learn.microsoft.com, "Virtual network service tags"), checked at synth so a
// typo ("Internt") fails here and not at `terraform apply`. Tags Azure adds later pass with
// `additionalServiceTags`. Matching is case-insensitive, as Azure's is.

/** The documented base tags, and "*" (any address). */
const BASE_TAGS = [
  '*',
  'ActionGroup',
  'ApiManagement',
  'AppConfiguration',
  'AppService',
  'AppServiceManagement',
  'AutonomousDevelopmentPlatform',
  'AzureActiveDirectory',
  'AzureActiveDirectoryDomainServices',
  'AzureAdvancedThreatProtection',
  'AzureArcInfrastructure',
  'AzureAttestation',
  'AzureBackup',
  'AzureBotService',
  'AzureCloud',
  'AzureCognitiveSearch',
  'AzureConnectors',
  'AzureContainerAppsService',
  'AzureContainerRegistry',
  'AzureCosmosDB',
  'AzureDatabricks',
  'AzureDataExplorerManagement',
  'AzureDataLake',
  'AzureDevOps',
  'AzureDevSpaces',
  'AzureDeviceUpdate',
  'AzureDigitalTwins',
  'AzureEventGrid',
  'AzureFrontDoor.Backend',
  'AzureFrontDoor.FirstParty',
  'AzureFrontDoor.Frontend',
  'AzureHealthcareAPIs',
  'AzureInformationProtection',
  'AzureIoTHub',
  'AzureKeyVault',
  'AzureLoadBalancer',
  'AzureLoadTestingInstanceManagement',
  'AzureMachineLearning',
  'AzureMachineLearningInference',
  'AzureManagedGrafana',
  'AzureMonitor',
  'AzureOpenDatasets',
  'AzurePlatformDNS',
  'AzurePlatformIMDS',
  'AzurePlatformLKM',
  'AzureResourceManager',
  'AzureSentinel',
  'AzureSignalR',
  'AzureSiteRecovery',
  'AzureSphere',
  'AzureSpringCloud',
  'AzureStack',
  'AzureTrafficManager',
  'AzureUpdateDelivery',
  'AzureWebPubSub',
  'BatchNodeManagement',
  'ChaosStudio',
  'CognitiveServicesFrontend',
  'CognitiveServicesManagement',
  'DataFactory',
  'DataFactoryManagement',
  'Dynamics365BusinessCentral',
  'Dynamics365ForMarketingEmail',
  'EOPExternalPublishedIPs',
  'EventHub',
  'GatewayManager',
  'GenevaActions',
  'GuestAndHybridManagement',
  'HDInsight',
  'Internet',
  'KustoAnalytics',
  'LogicApps',
  'LogicAppsManagement',
  'M365ManagementActivityApi',
  'M365ManagementActivityApiWebhook',
  'Marketplace',
  'MicrosoftAzureFluidRelay',
  'MicrosoftCloudAppSecurity',
  'MicrosoftContainerRegistry',
  'MicrosoftDefenderForEndpoint',
  'MicrosoftPurviewPolicyDistribution',
  'PowerBI',
  'PowerPlatformInfra',
  'PowerPlatformPlex',
  'PowerQueryOnline',
  'SCCservice',
  'Scuba',
  'SerialConsole',
  'ServiceBus',
  'ServiceFabric',
  'Sql',
  'SqlManagement',
  'Storage',
  'StorageMover',
  'StorageSyncService',
  'VideoIndexer',
  'VirtualNetwork',
  'WindowsAdminCenter',
  'WindowsVirtualDesktop',
];

/** Azure public, government and China regions, as regional tags spell them (case-insensitive). */
const REGIONS = [
  'AustraliaCentral',
  'AustraliaCentral2',
  'AustraliaEast',
  'AustraliaSoutheast',
  'AustriaEast',
  'BelgiumCentral',
  'BrazilSouth',
  'BrazilSoutheast',
  'CanadaCentral',
  'CanadaEast',
  'CentralIndia',
  'CentralUS',
  'CentralUSEUAP',
  'ChileCentral',
  'ChinaEast',
  'ChinaEast2',
  'ChinaEast3',
  'ChinaNorth',
  'ChinaNorth2',
  'ChinaNorth3',
  'DenmarkEast',
  'EastAsia',
  'EastUS',
  'EastUS2',
  'EastUS2EUAP',
  'EastUS3',
  'FranceCentral',
  'FranceSouth',
  'GermanyNorth',
  'GermanyWestCentral',
  'IndonesiaCentral',
  'IsraelCentral',
  'ItalyNorth',
  'JapanEast',
  'JapanWest',
  'JioIndiaCentral',
  'JioIndiaWest',
  'KoreaCentral',
  'KoreaSouth',
  'MalaysiaSouth',
  'MalaysiaWest',
  'MexicoCentral',
  'NewZealandNorth',
  'NorthCentralUS',
  'NorthEurope',
  'NorwayEast',
  'NorwayWest',
  'PolandCentral',
  'QatarCentral',
  'SaudiArabiaCentral',
  'SouthAfricaNorth',
  'SouthAfricaWest',
  'SouthCentralUS',
  'SoutheastAsia',
  'SouthIndia',
  'SpainCentral',
  'SwedenCentral',
  'SwedenSouth',
  'SwitzerlandNorth',
  'SwitzerlandWest',
  'TaiwanNorth',
  'TaiwanNorthwest',
  'UAECentral',
  'UAENorth',
  'UKSouth',
  'UKWest',
  'USDoDCentral',
  'USDoDEast',
  'USGovArizona',
  'USGovTexas',
  'USGovVirginia',
  'WestCentralUS',
  'WestEurope',
  'WestIndia',
  'WestUS',
  'WestUS2',
  'WestUS3',
];

const BASE = new Map(BASE_TAGS.map((t) => [t.toLowerCase(), t]));
const REGION = new Map(REGIONS.map((r) => [r.toLowerCase(), r]));

/** How a service tag checked out: its canonical spelling, or a close documented one to suggest. */
export type ServiceTagCheck =
  { readonly ok: true; readonly tag: string } | { readonly ok: false; readonly suggestion?: string };

/**
 * Checks a service tag: a documented base tag, optionally `.Region` (`Storage.WestEurope`), or one of `extra`.
 * Never suggests the value itself.
 */
export function checkServiceTag(value: string, extra: readonly string[] = []): ServiceTagCheck {
  const lower = value.toLowerCase();
  const added = extra.find((t) => t.toLowerCase() === lower);
  if (added !== undefined) return { ok: true, tag: added };
  const base = BASE.get(lower);
  if (base !== undefined) return { ok: true, tag: base };
  const dot = value.lastIndexOf('.');
  if (dot > 0) {
    const head = BASE.get(lower.slice(0, dot));
    const region = REGION.get(lower.slice(dot + 1));
    if (head !== undefined && region !== undefined && head !== '*') return { ok: true, tag: `${head}.${region}` };
    const near = head !== undefined ? closest(lower.slice(dot + 1), REGIONS) : closest(lower.slice(0, dot), BASE_TAGS);
    const suggestion =
      near === undefined ? undefined : head !== undefined ? `${head}.${near}` : `${near}${value.slice(dot)}`;
    return { ok: false, suggestion: suggestion?.toLowerCase() === lower ? undefined : suggestion };
  }
  const near = closest(lower, BASE_TAGS);
  return { ok: false, suggestion: near?.toLowerCase() === lower ? undefined : near };
}

/** The documented name within edit distance 2 of `lower` (case-insensitive), if exactly one is closest. */
function closest(lower: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const d = distance(lower, name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best === '*' ? undefined : best;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
