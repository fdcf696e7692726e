// TracktileFunctions on Azure: a Linux Function App on the Flex Consumption plan (FC1, .NET isolated) that receives
// Tracktile (and ERP) webhooks into Storage queues and pushes changes to the ERP: the app's REST contract or Microsoft
// Dynamics 365 Business Central (erpProvider); when a shop is given (shopifyShopDomain), Shopify as a web store; when an
// API user is given (shipHeroUsername), ShipHero as the warehouse (WMS); and, when an Intuit app's client id is given
// (quickBooksClientId), QuickBooks Online as the ledger (invoices and customers).
//
// Everything authenticates with one user-assigned managed identity: the host and the app reach Storage (queues,
// tables, blobs) without keys (shared keys are off), App Insights takes telemetry over Entra ID (local auth off), and
// every secret is a Key Vault reference resolved with the same identity. Secret values never pass through this
// template: store them with `az keyvault secret set` under the names below (docs/deploy.md). The app also writes to the
// vault itself (Secrets__KeyVaultUri), always: the secret of each Tracktile webhook registration it makes or rotates
// (POST /api/setup/tracktile), which Tracktile reveals once; with ShipHero its tokens and each of its webhooks' shared
// secret; with QuickBooks the connection's OAuth tokens, which Intuit may rotate on any refresh.
//
// Deploy with `azd up` (azure.yaml, main.parameters.json) or `az deployment group create`.

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Environment name (azd: AZURE_ENV_NAME). Seeds resource names and tags every resource.')
param environmentName string

@minLength(1)
@description('Region for every resource; it must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
param location string

@maxLength(32)
@description('Function app name (becomes <name>.azurewebsites.net); empty derives a unique one.')
param functionAppName string = ''

@description('.NET version of the isolated worker (functionAppConfig.runtime.version). Flex Consumption accepts 8.0, 9.0 and 10.0; the app targets net10.0.')
param dotnetVersion string = '10.0'

@allowed([512, 2048, 4096])
@description('Memory of each Flex Consumption instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
@description('Most instances the app scales out to. Calls in flight to the ERP are at most this times Erp__Resilience__MaxConcurrency (BusinessCentral__Resilience__MaxConcurrency with Business Central).')
param maximumInstanceCount int = 40

@allowed(['Standard_LRS', 'Standard_ZRS'])
@description('Redundancy of the storage account that holds the queues, the state tables and the deployment package.')
param storageSkuName string = 'Standard_LRS'

@description('Keep deleted secrets recoverable for 90 days and forbid purging them (cannot be turned off once on).')
param keyVaultPurgeProtection bool = true

@description('Tracktile API base address (Tracktile__Api__BaseUrl).')
param tracktileApiBaseUrl string = 'https://api.tracktile.io/'

@minValue(0)
@maxValue(10)
@description('The manual fallback only (docs/deploy.md): how many Tracktile webhook secrets you keep in Key Vault yourself (Tracktile--Webhook--Secrets--0 .. N-1), one per registration you made by hand, plus one during a rotation; unused slots repeat slot 0. 0, the default: no such slot (every Tracktile__Webhook__Secrets__N is empty), the app accepts the secrets it stored itself when it registered or rotated its webhooks (POST /api/setup/tracktile).')
param tracktileWebhookSecretCount int = 0

@allowed(['Rest', 'BusinessCentral'])
@description('Which ERP the app talks to (Erp__Provider): Rest, the app\'s own REST contract (docs/erp-contract.md, the erp* parameters below), or BusinessCentral, Microsoft Dynamics 365 Business Central API v2.0 (docs/connectors/business-central.md, the businessCentral* parameters below).')
param erpProvider string = 'Rest'

@minLength(1)
@description('The ERP adapter\'s base address (Erp__BaseUrl), see docs/erp-contract.md. Required whatever erpProvider is; the app does not read it when erpProvider is BusinessCentral.')
param erpBaseUrl string

@allowed(['None', 'ApiKey', 'Bearer', 'Basic', 'OAuth2ClientCredentials'])
@description('How the app authenticates to the ERP (Erp__Auth__Mode). The mode\'s secret is read from Key Vault.')
param erpAuthMode string = 'None'

@description('Header that carries the key when Erp__Auth__Mode is ApiKey.')
param erpAuthApiKeyHeader string = 'X-Api-Key'

@description('User name when Erp__Auth__Mode is Basic (the password is in Key Vault).')
param erpAuthUsername string = ''

@description('Token endpoint when Erp__Auth__Mode is OAuth2ClientCredentials.')
param erpAuthTokenUrl string = ''

@description('Client id when Erp__Auth__Mode is OAuth2ClientCredentials (the client secret is in Key Vault).')
param erpAuthClientId string = ''

@description('Scope(s), space-separated, when the ERP token endpoint wants them.')
param erpAuthScope string = ''

@minValue(0)
@maxValue(2)
@description('How many ERP webhook secrets exist in Key Vault (Erp--Webhook--Secrets--0, --1): 2 while rotating, 0 when the ERP sends no webhooks (POST /api/webhooks/erp then answers 404).')
param erpWebhookSecretCount int = 1

@description('Business Central\'s service root before the tenant (BusinessCentral__BaseUrl): the online API by default; on-premises, the server instance (https://bc.example.com:7048/BC) with businessCentralTenantId empty.')
param businessCentralBaseUrl string = 'https://api.businesscentral.dynamics.com/v2.0'

@description('The Entra tenant (id or domain) of Business Central (BusinessCentral__TenantId); required when erpProvider is BusinessCentral and businessCentralAuthMode is not Basic, empty on-premises.')
param businessCentralTenantId string = ''

@description('The Business Central environment\'s name (BusinessCentral__Environment), e.g. production or sandbox.')
param businessCentralEnvironment string = 'production'

@description('The Business Central company\'s name (BusinessCentral__CompanyName), e.g. CRONUS USA, Inc.; the app looks its id up once. Required when erpProvider is BusinessCentral, unless BusinessCentral__CompanyId is set in additionalAppSettings.')
param businessCentralCompanyName string = ''

@allowed(['ClientSecret', 'ManagedIdentity', 'Basic'])
@description('How the app signs in to Business Central (BusinessCentral__Auth__Mode): ClientSecret (an app registration, its secret in Key Vault), ManagedIdentity (the app\'s user-assigned identity, no secret) or Basic (on-premises: a user and its web service access key in Key Vault).')
param businessCentralAuthMode string = 'ClientSecret'

@description('The app registration\'s client id for ClientSecret (BusinessCentral__Auth__ClientId). For ManagedIdentity leave it empty: the app\'s own identity\'s client id is used.')
param businessCentralAuthClientId string = ''

@description('The on-premises user when businessCentralAuthMode is Basic (its web service access key is in Key Vault).')
param businessCentralAuthUsername string = ''

@minValue(0)
@maxValue(2)
@description('How many Business Central webhook client states exist in Key Vault (BusinessCentral--Webhook--ClientStates--0, --1): 2 while rotating, 0 for no webhook subscriptions (the reconciliation timer still applies every customer change, later). Only used when erpProvider is BusinessCentral.')
param businessCentralWebhookClientStateCount int = 1

@description('The Shopify shop the app serves (Shopify__Shops__0__Domain), e.g. my-store.myshopify.com (docs/connectors/shopify.md). Empty, the default: Shopify is off and the template sets no Shopify__ setting. A second shop goes into additionalAppSettings (Shopify__Shops__1__Domain).')
param shopifyShopDomain string = ''

@allowed(['ClientCredentials', 'AccessToken'])
@description('How the app gets its Shopify token: ClientCredentials (a Dev Dashboard app installed on the shop: shopifyClientId, and its client secret in Key Vault as Shopify--ClientSecrets--0) or AccessToken (the store\'s Admin API access token in Key Vault as Shopify--Shops--0--AccessToken). Only used with shopifyShopDomain.')
param shopifyAuthMode string = 'ClientCredentials'

@description('The Dev Dashboard app\'s client id (Shopify__ClientId), for the client credentials grant; not needed with shopifyAuthMode AccessToken.')
param shopifyClientId string = ''

@minValue(1)
@maxValue(2)
@description('How many of the app\'s client secrets exist in Key Vault (Shopify--ClientSecrets--0, --1): 2 while rotating. The first signs the client credentials grant; Shopify\'s webhooks are accepted when signed with any of them. Required in both auth modes: Shopify signs webhooks with the app\'s secret. Only used with shopifyShopDomain.')
param shopifyClientSecretCount int = 1

@description('The pinned Shopify Admin API version (Shopify__ApiVersion), YYYY-MM (quarterly). The default is the app\'s own default; change both together.')
param shopifyApiVersion string = '2026-10'

@description('The ShipHero API user\'s email (ShipHero__Username), a ShipHero user made for the app (docs/connectors/shiphero.md). Empty, the default: ShipHero is off and the template sets no ShipHero__ setting. With it, the user\'s password must be in Key Vault as ShipHero--Password (or a refresh token as ShipHero--RefreshToken, see shipHeroAuthMode), and the app\'s identity may also set secrets in the vault. Which Tracktile node is which ShipHero warehouse goes into additionalAppSettings (ShipHero__Warehouses__0__Node and __WarehouseId).')
param shipHeroUsername string = ''

@allowed(['Password', 'RefreshToken'])
@description('How the app gets its ShipHero token: Password (it signs in as shipHeroUsername with the password in Key Vault as ShipHero--Password) or RefreshToken (a refresh token from ShipHero in Key Vault as ShipHero--RefreshToken). Only used with shipHeroUsername.')
param shipHeroAuthMode string = 'Password'

@description('The shop_name the app\'s ShipHero orders and webhooks carry (ShipHero__ShopName). The default is the app\'s own default. Only used with shipHeroUsername.')
param shipHeroShopName string = 'tracktile'

@description('The Intuit app\'s client id (QuickBooks__ClientId), from the Intuit developer portal (Keys and credentials; docs/connectors/quickbooks.md). Empty, the default: QuickBooks is off and the template sets no QuickBooks__ setting. With it, the app\'s client secret must be in Key Vault as QuickBooks--ClientSecret (and the webhook verifier token as QuickBooks--WebhookVerifierTokens--0, see quickBooksWebhookVerifierTokenCount), and the app\'s identity may also set secrets in the vault (the connection\'s tokens). A person connects the company once after the code runs: GET /api/connect/quickbooks.')
param quickBooksClientId string = ''

@allowed(['Production', 'Sandbox'])
@description('Which Accounting API the keys of quickBooksClientId are for (QuickBooks__BaseUrl): Production (https://quickbooks.api.intuit.com/, the app\'s own default) or Sandbox (https://sandbox-quickbooks.api.intuit.com/, for the Development keys and a sandbox company). Only used with quickBooksClientId.')
param quickBooksEnvironment string = 'Production'

@minValue(0)
@maxValue(2)
@description('How many webhook verifier tokens of the Intuit app exist in Key Vault (QuickBooks--WebhookVerifierTokens--0, --1): 2 while rotating, 0 for no webhooks (POST /api/webhooks/quickbooks then answers 404 and the change feed, every 15 minutes, alone brings QuickBooks\' changes). Only used with quickBooksClientId.')
param quickBooksWebhookVerifierTokenCount int = 1

@description('The QuickBooks id of the income account that items the app creates post to (QuickBooks__Items__IncomeAccountId). Empty, the default: the app creates no items (QuickBooks__Items__CreateMissing false), so every product invoiced must already be a QuickBooks item with its SKU, or be mapped (QuickBooks__Items__Map__<product id> in additionalAppSettings). Only used with quickBooksClientId.')
param quickBooksIncomeAccountId string = ''

@description('NCRONTAB (6 fields, UTC) of the product sync batch (ProductSync__Schedule); the default is hourly.')
param productSyncSchedule string = '0 0 * * * *'

@description('More app settings, never secrets: e.g. Erp__Inventory__Locations__<node id>, Erp__Orders__StatusMap__<status>, Erp__Resilience__MaxConcurrency, BusinessCentral__Orders__CustomerNumbers__<Tracktile customer id>, BusinessCentral__Items__UnitsOfMeasure__<unit>, BusinessCentral__LotJournal__ApiPath, Shopify__Stock__Locations__0__Node and __Location, Shopify__Orders__DefaultCustomerId, ShipHero__Warehouses__0__Node and __WarehouseId, QuickBooks__Invoices__Trigger, QuickBooks__Customers__Map__<Tracktile customer id>, QuickBooks__Items__Map__<Tracktile product id>. They cannot replace a setting this template sets.')
param additionalAppSettings object = {}

@description('Object id of a person or group who operates the app: granted Key Vault Secrets Officer (to store secrets) and queue and table data access (to see and replay failures). Empty grants nothing.')
param operatorPrincipalId string = ''

@allowed(['User', 'Group', 'ServicePrincipal'])
@description('What operatorPrincipalId is.')
param operatorPrincipalType string = 'User'

// ---------------------------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = { 'azd-env-name': environmentName }
var appName = empty(functionAppName) ? 'func-${resourceToken}' : functionAppName
var storageAccountName = 'st${resourceToken}'
var keyVaultName = 'kv-${resourceToken}'
var deploymentContainerName = 'app-package'

// Versionless secret URIs (with the trailing slash): the app reads each secret's latest version, re-read within 24 h or
// at once on any configuration change (docs/deploy.md). Secret names mirror the setting names, '--' for '__'.
var keyVaultSecretUriPrefix = 'https://${keyVaultName}${environment().suffixes.keyvaultDns}/secrets/'

// ---------------------------------------------------------------------------------------------------------------------
// Identity, monitoring, secrets
// ---------------------------------------------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${resourceToken}'
  location: location
  tags: tags
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    // Telemetry is accepted only with an Entra ID token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING below).
    DisableLocalAuth: true
  }
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: keyVaultPurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Storage: queues (events), tables (state, failures), blobs (claim checks, host leases, the deployment package)
// ---------------------------------------------------------------------------------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: storageSkuName }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }

  // No lifecycle rule on claim-checked payloads: the app deletes each one when its event is done, and keeps the
  // ones a poison message still refers to for as long as that message exists (it never expires).
  resource blobService 'blobServices' = {
    name: 'default'

    // Flex Consumption runs the app from the package azd (or `func azure functionapp publish`) uploads here.
    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: { publicAccess: 'None' }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Role assignments for the app's identity
// ---------------------------------------------------------------------------------------------------------------------

resource appStorageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in [
    'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner: host leases and timers, claim checks, the package
    '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor: queue triggers, poison queues, the publisher
    '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor: de-duplication ledger, sync state, failures
  ]: {
    name: guid(storage.id, identity.id, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Key Vault Secrets User: resolves the app settings' Key Vault references.
resource appKeyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identity.id, '4633458b-17de-408a-b874-0445c86b69e6')
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Key Vault Secrets Officer, always: the app stores what it is given at run time in the vault (Secrets__KeyVaultUri):
// the secret of each Tracktile webhook registration it makes or rotates (tracktile-hook-<id>), which Tracktile reveals
// once; with ShipHero its tokens and each of its webhooks' shared secret, which ShipHero reveals once; with QuickBooks
// the connection's OAuth tokens (quickbooks-connection), which Intuit may rotate on any refresh. Secrets User (above) can
// only read. The role covers every secret of the vault: RBAC cannot be scoped to secrets that do not exist yet.
resource appKeyVaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identity.id, 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Monitoring Metrics Publisher: sends telemetry to App Insights with an Entra ID token.
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb')
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Role assignments for the operator (optional)
// ---------------------------------------------------------------------------------------------------------------------

// Key Vault Secrets Officer: store and rotate the secrets.
resource operatorKeyVaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(keyVault.id, operatorPrincipalId, 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}

resource operatorStorageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in [
    '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor: peek and replay <queue>-poison
    '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor: read and clear the failures table
  ]: if (!empty(operatorPrincipalId)) {
    name: guid(storage.id, operatorPrincipalId, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: operatorPrincipalId
      principalType: operatorPrincipalType
    }
  }
]

// ---------------------------------------------------------------------------------------------------------------------
// The Function App
// ---------------------------------------------------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: 'plan-${resourceToken}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
      // GET /api/health (anonymous, answers nothing secret): 200 when storage is reachable and the settings are valid,
      // else 503 naming the failing check. Where the platform probes it, an instance that keeps failing is replaced.
      healthCheckPath: '/api/health'
      // No ftpsState: Flex Consumption has no FTP endpoint (the property is deprecated there); the basic publishing
      // credential policies below turn off FTP and SCM user/password authentication as well.
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      // Replaces FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION, which Flex Consumption does not accept.
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }
  dependsOn: [
    appStorageRoles // the host needs its storage before it starts
  ]
}

resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: functionApp
  name: 'ftp'
  properties: { allow: false }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: functionApp
  name: 'scm'
  properties: { allow: false }
}

// Every app setting, in one place. Secrets are Key Vault references only; this resource replaces the whole set on each
// deployment, so change settings through the parameters, not in the portal. The template's own settings come after
// additionalAppSettings, so it cannot replace them.
resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(additionalAppSettings, empty(shopifyShopDomain) ? {} : {
    // Shopify (docs/connectors/shopify.md), only when a shop is given: without one the app has no Shopify__ setting and
    // Shopify is off (its webhook answers 404, its timers do nothing), and no Shopify secret needs to exist in the vault.
    Shopify__Shops__0__Domain: shopifyShopDomain
    Shopify__ApiVersion: shopifyApiVersion
    Shopify__ClientId: shopifyClientId
    // The app's client secrets: the first signs the client credentials grant, all are accepted on webhooks (rotation).
    Shopify__ClientSecrets__0: '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Shopify--ClientSecrets--0/)'
    Shopify__ClientSecrets__1: '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Shopify--ClientSecrets--${shopifyClientSecretCount > 1 ? 1 : 0}/)'
    Shopify__Shops__0__AccessToken: shopifyAuthMode == 'AccessToken' ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Shopify--Shops--0--AccessToken/)' : ''
    // Where the subscriptions the app creates (POST /api/shopify/subscriptions) send Shopify's order webhooks.
    Shopify__WebhookUrl: 'https://${functionApp.properties.defaultHostName}/api/webhooks/shopify'
  }, empty(shipHeroUsername) ? {} : {
    // ShipHero (docs/connectors/shiphero.md), only when an API user is given: without one the app has no ShipHero__
    // setting and ShipHero is off (its webhook answers 404, its timer does nothing), and no ShipHero secret need exist.
    ShipHero__Username: shipHeroUsername
    ShipHero__Password: shipHeroAuthMode == 'Password' ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}ShipHero--Password/)' : ''
    ShipHero__RefreshToken: shipHeroAuthMode == 'RefreshToken' ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}ShipHero--RefreshToken/)' : ''
    ShipHero__ShopName: shipHeroShopName
    // Where the webhooks the app registers (POST /api/shiphero/webhooks) send ShipHero's Shipment and Inventory Updates.
    ShipHero__WebhookUrl: 'https://${functionApp.properties.defaultHostName}/api/webhooks/shiphero'
  }, empty(quickBooksClientId) ? {} : {
    // QuickBooks Online (docs/connectors/quickbooks.md), only when the Intuit app's client id is given: without it the
    // app has no QuickBooks__ setting and QuickBooks is off (its webhook and connect pages answer 404, its timer does
    // nothing), and no QuickBooks secret need exist.
    QuickBooks__ClientId: quickBooksClientId
    QuickBooks__ClientSecret: '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}QuickBooks--ClientSecret/)'
    // The OAuth callback of the connect flow, registered as a redirect URI of the Intuit app (it must match exactly).
    QuickBooks__RedirectUri: 'https://${functionApp.properties.defaultHostName}/api/connect/quickbooks/callback'
    // Production keys call the production API, Development keys a sandbox company.
    QuickBooks__BaseUrl: quickBooksEnvironment == 'Sandbox' ? 'https://sandbox-quickbooks.api.intuit.com/' : 'https://quickbooks.api.intuit.com/'
    // The verifier tokens of the Intuit app's webhooks (every one is accepted: rotation). With none (count 0) the settings
    // are empty, which the app reads as "not set": POST /api/webhooks/quickbooks answers 404.
    QuickBooks__WebhookVerifierTokens__0: quickBooksWebhookVerifierTokenCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}QuickBooks--WebhookVerifierTokens--0/)' : ''
    QuickBooks__WebhookVerifierTokens__1: quickBooksWebhookVerifierTokenCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}QuickBooks--WebhookVerifierTokens--${quickBooksWebhookVerifierTokenCount > 1 ? 1 : 0}/)' : ''
    // Creating items needs the income account they post to; without one the app would not start with CreateMissing on,
    // so the template turns creation off until an account is given (items are then found by SKU, or mapped).
    QuickBooks__Items__IncomeAccountId: quickBooksIncomeAccountId
    QuickBooks__Items__CreateMissing: empty(quickBooksIncomeAccountId) ? 'false' : 'true'
  }, {
    // The secret store, always: the app keeps the secrets of its Tracktile webhook registrations (and, with ShipHero,
    // ShipHero's tokens and webhook secrets; with QuickBooks, the connection's realm and OAuth tokens) in this vault (the
    // identity's Secrets Officer role above), not in the storage table it uses without a vault.
    Secrets__KeyVaultUri: keyVault.properties.vaultUri
    // The secret store signs in with DefaultAzureCredential, which finds a user-assigned identity by AZURE_CLIENT_ID
    // only (the app has no system-assigned one).
    AZURE_CLIENT_ID: identity.properties.clientId

    // Host and app storage (the app's StorageClientFactory reads the same connection): identity-based, no keys.
    AzureWebJobsStorage__accountName: storage.name
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identity.properties.clientId

    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'

    Tracktile__Api__BaseUrl: tracktileApiBaseUrl
    Tracktile__Api__Token: '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Tracktile--Api--Token/)'

    // Where the registrations the app makes (POST /api/setup/tracktile) send Tracktile's webhooks. Each registration's
    // secret, revealed once, goes straight into the vault (Secrets__KeyVaultUri) and is accepted from that moment.
    Tracktile__Hooks__WebhookUrl: 'https://${functionApp.properties.defaultHostName}/api/webhooks/tracktile'

    // The manual fallback (docs/deploy.md): secrets of registrations made by hand, as Key Vault references, accepted
    // beside the stored ones. With none (tracktileWebhookSecretCount 0, the default) every slot is empty, which the app
    // reads as "not set"; with N, slots 0 .. N-1 name their own secret and the slots at or above N repeat slot 0.
    Tracktile__Webhook__Secrets__0: tracktileWebhookSecretCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Tracktile--Webhook--Secrets--0/)' : ''
    Tracktile__Webhook__Secrets__1: tracktileWebhookSecretCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Tracktile--Webhook--Secrets--${tracktileWebhookSecretCount > 1 ? 1 : 0}/)' : ''
    Tracktile__Webhook__Secrets__2: tracktileWebhookSecretCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Tracktile--Webhook--Secrets--${tracktileWebhookSecretCount > 2 ? 2 : 0}/)' : ''
    Tracktile__Webhook__Secrets__3: tracktileWebhookSecretCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Tracktile--Webhook--Secrets--${tracktileWebhookSecretCount > 3 ? 3 : 0}/)' : ''
    Tracktile__Webhook__Secrets__4: tracktileWebhookSecretCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Tracktile--Webhook--Secrets--${tracktileWebhookSecretCount > 4 ? 4 : 0}/)' : ''
    Tracktile__Webhook__Secrets__5: tracktileWebhookSecretCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Tracktile--Webhook--Secrets--${tracktileWebhookSecretCount > 5 ? 5 : 0}/)' : ''
    Tracktile__Webhook__Secrets__6: tracktileWebhookSecretCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Tracktile--Webhook--Secrets--${tracktileWebhookSecretCount > 6 ? 6 : 0}/)' : ''
    Tracktile__Webhook__Secrets__7: tracktileWebhookSecretCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Tracktile--Webhook--Secrets--${tracktileWebhookSecretCount > 7 ? 7 : 0}/)' : ''
    Tracktile__Webhook__Secrets__8: tracktileWebhookSecretCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Tracktile--Webhook--Secrets--${tracktileWebhookSecretCount > 8 ? 8 : 0}/)' : ''
    Tracktile__Webhook__Secrets__9: tracktileWebhookSecretCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Tracktile--Webhook--Secrets--${tracktileWebhookSecretCount > 9 ? 9 : 0}/)' : ''

    // Which ERP the app talks to. Each system's secrets are Key Vault references only when it is the ERP, so the other
    // system's secrets need not exist in the vault (an empty setting is an unset one).
    Erp__Provider: erpProvider

    // The REST contract (erpProvider Rest).
    Erp__BaseUrl: erpBaseUrl
    Erp__Auth__Mode: erpAuthMode
    Erp__Auth__ApiKeyHeader: erpAuthApiKeyHeader
    Erp__Auth__ApiKey: erpProvider == 'Rest' && erpAuthMode == 'ApiKey' ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Erp--Auth--ApiKey/)' : ''
    Erp__Auth__Token: erpProvider == 'Rest' && erpAuthMode == 'Bearer' ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Erp--Auth--Token/)' : ''
    Erp__Auth__Username: erpAuthUsername
    Erp__Auth__Password: erpProvider == 'Rest' && erpAuthMode == 'Basic' ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Erp--Auth--Password/)' : ''
    Erp__Auth__TokenUrl: erpAuthTokenUrl
    Erp__Auth__ClientId: erpAuthClientId
    Erp__Auth__ClientSecret: erpProvider == 'Rest' && erpAuthMode == 'OAuth2ClientCredentials' ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Erp--Auth--ClientSecret/)' : ''
    Erp__Auth__Scope: erpAuthScope

    // The ERP's calls to POST /api/webhooks/erp are signed with a secret we choose and give the ERP.
    // With no secret (erpWebhookSecretCount 0) the settings are empty, which the app reads as "not set": the source is off.
    Erp__Webhook__Secrets__0: erpProvider == 'Rest' && erpWebhookSecretCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Erp--Webhook--Secrets--0/)' : ''
    Erp__Webhook__Secrets__1: erpProvider == 'Rest' && erpWebhookSecretCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}Erp--Webhook--Secrets--${erpWebhookSecretCount > 1 ? 1 : 0}/)' : ''

    // Business Central (erpProvider BusinessCentral; docs/connectors/business-central.md). The app checks these only
    // when Business Central is the ERP; the values below are valid either way.
    BusinessCentral__BaseUrl: businessCentralBaseUrl
    BusinessCentral__TenantId: businessCentralTenantId
    BusinessCentral__Environment: businessCentralEnvironment
    BusinessCentral__CompanyName: businessCentralCompanyName
    BusinessCentral__Auth__Mode: businessCentralAuthMode
    // A managed identity signs in with its client id: the app's own (user-assigned) one unless another is given.
    BusinessCentral__Auth__ClientId: businessCentralAuthMode == 'ManagedIdentity' && empty(businessCentralAuthClientId) ? identity.properties.clientId : businessCentralAuthClientId
    BusinessCentral__Auth__ClientSecret: erpProvider == 'BusinessCentral' && businessCentralAuthMode == 'ClientSecret' ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}BusinessCentral--Auth--ClientSecret/)' : ''
    BusinessCentral__Auth__Username: businessCentralAuthUsername
    BusinessCentral__Auth__AccessKey: erpProvider == 'BusinessCentral' && businessCentralAuthMode == 'Basic' ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}BusinessCentral--Auth--AccessKey/)' : ''

    // Business Central calls POST /api/webhooks/businesscentral back; the clientState it echoes is a secret we choose.
    // With no client state (businessCentralWebhookClientStateCount 0) no subscription is made and the endpoint answers 404.
    BusinessCentral__Webhook__NotificationUrl: erpProvider == 'BusinessCentral' && businessCentralWebhookClientStateCount > 0 ? 'https://${functionApp.properties.defaultHostName}/api/webhooks/businesscentral' : ''
    BusinessCentral__Webhook__ClientStates__0: erpProvider == 'BusinessCentral' && businessCentralWebhookClientStateCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}BusinessCentral--Webhook--ClientStates--0/)' : ''
    BusinessCentral__Webhook__ClientStates__1: erpProvider == 'BusinessCentral' && businessCentralWebhookClientStateCount > 0 ? '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUriPrefix}BusinessCentral--Webhook--ClientStates--${businessCentralWebhookClientStateCount > 1 ? 1 : 0}/)' : ''

    ProductSync__Schedule: productSyncSchedule
  })
  dependsOn: [
    appKeyVaultSecretsUser // the references resolve with the identity's access to the vault
    appKeyVaultSecretsOfficer // the app writes secrets too (its Tracktile registrations', ShipHero's, QuickBooks')
    appMetricsPublisher
  ]
}

// ---------------------------------------------------------------------------------------------------------------------
// Outputs (azd stores them in the environment: `azd env get-values`)
// ---------------------------------------------------------------------------------------------------------------------

output FUNCTION_APP_NAME string = functionApp.name
output FUNCTION_APP_HOSTNAME string = functionApp.properties.defaultHostName
// Tracktile's webhooks (Tracktile__Hooks__WebhookUrl: where POST /api/setup/tracktile points the registrations it makes).
output TRACKTILE_WEBHOOK_URL string = 'https://${functionApp.properties.defaultHostName}/api/webhooks/tracktile'
output ERP_WEBHOOK_URL string = 'https://${functionApp.properties.defaultHostName}/api/webhooks/erp'
output BUSINESS_CENTRAL_WEBHOOK_URL string = 'https://${functionApp.properties.defaultHostName}/api/webhooks/businesscentral'
// Shopify's order webhooks (Shopify__WebhookUrl when shopifyShopDomain is set).
output SHOPIFY_WEBHOOK_URL string = 'https://${functionApp.properties.defaultHostName}/api/webhooks/shopify'
// ShipHero's Shipment Update and Inventory Update webhooks (ShipHero__WebhookUrl when shipHeroUsername is set).
output SHIPHERO_WEBHOOK_URL string = 'https://${functionApp.properties.defaultHostName}/api/webhooks/shiphero'
// The Intuit app's redirect URI (QuickBooks__RedirectUri when quickBooksClientId is set) and its webhook endpoint.
output QUICKBOOKS_REDIRECT_URI string = 'https://${functionApp.properties.defaultHostName}/api/connect/quickbooks/callback'
output QUICKBOOKS_WEBHOOK_URL string = 'https://${functionApp.properties.defaultHostName}/api/webhooks/quickbooks'
// The client id to register in Business Central (Microsoft Entra Applications) when businessCentralAuthMode is ManagedIdentity.
output MANAGED_IDENTITY_CLIENT_ID string = identity.properties.clientId
output KEY_VAULT_NAME string = keyVault.name
output STORAGE_ACCOUNT_NAME string = storage.name
output RESOURCE_GROUP_NAME string = resourceGroup().name
