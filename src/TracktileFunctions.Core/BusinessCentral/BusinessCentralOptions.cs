using System.ComponentModel.DataAnnotations;
using TracktileFunctions.Http;

namespace TracktileFunctions.BusinessCentral;

/// <summary>Microsoft Dynamics 365 Business Central, API v2.0. Bound from <c>BusinessCentral</c> (docs/connectors/business-central.md).</summary>
public sealed class BusinessCentralOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "BusinessCentral";

    /// <summary>The Entra ID scope of Business Central's API.</summary>
    public const string Scope = "https://api.businesscentral.dynamics.com/.default";

    /// <summary>
    /// The service root before the tenant: <c>https://api.businesscentral.dynamics.com/v2.0</c> online; on-premises, the
    /// server instance (<c>https://bc.example.com:7048/BC</c>, with <see cref="TenantId"/> and <see cref="Environment"/> empty).
    /// </summary>
    [Required]
    [Url]
    public string BaseUrl { get; set; } = "https://api.businesscentral.dynamics.com/v2.0";

    /// <summary>The Entra tenant (id or domain); empty on-premises.</summary>
    public string? TenantId { get; set; }

    /// <summary>The environment's name (<c>production</c>, <c>sandbox</c>, ...); empty on-premises.</summary>
    public string? Environment { get; set; } = "production";

    /// <summary>The company's id (a GUID); when empty, <see cref="CompanyName"/> is looked up once and cached.</summary>
    public string? CompanyId { get; set; }

    /// <summary>The company's name, used when <see cref="CompanyId"/> is empty (e.g. <c>CRONUS USA, Inc.</c>).</summary>
    public string? CompanyName { get; set; }

    /// <summary>How the app signs in.</summary>
    [Required]
    public BusinessCentralAuthOptions Auth { get; set; } = new();

    /// <summary>Items from Tracktile products.</summary>
    [Required]
    public BusinessCentralItemOptions Items { get; set; } = new();

    /// <summary>Sales orders from Tracktile orders.</summary>
    [Required]
    public BusinessCentralOrderOptions Orders { get; set; } = new();

    /// <summary>What confirms a Tracktile shipment.</summary>
    [Required]
    public BusinessCentralShipmentOptions Shipments { get; set; } = new();

    /// <summary>The customer's lot-tracked item journal API page (an AL extension); stock movements need it.</summary>
    [Required]
    public BusinessCentralLotJournalOptions LotJournal { get; set; } = new();

    /// <summary>Customer changes from Business Central: webhook subscriptions and the reconciliation.</summary>
    [Required]
    public BusinessCentralWebhookOptions Webhook { get; set; } = new();

    /// <summary>Entities per page asked for with <c>Prefer: odata.maxpagesize</c>.</summary>
    [Range(1, 20_000)]
    public int PageSize { get; set; } = 1_000;

    /// <summary>
    /// Timeouts, retries and the cap on calls in flight (Business Central allows 5 per user). The total stays under
    /// <c>Processing:HandlerTimeoutSeconds</c> (240), so a slow call fails as itself rather than as the handler's timeout.
    /// </summary>
    [Required]
    public ApiResilienceOptions Resilience { get; set; } = new() { MaxConcurrency = 5, AttemptTimeoutSeconds = 100, TotalTimeoutSeconds = 200 };

    /// <summary>Set by the app: whether Business Central is the ERP (<c>Erp:Provider</c>). Its settings are checked only then.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Reads an empty app setting as an unset one (Azure cannot tell them apart): empty URLs, secrets and lists are
    /// dropped and an empty environment is <c>production</c>.
    /// </summary>
    public void Normalize()
    {
        static string? Unset(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        Environment = Unset(Environment) ?? "production";
        TenantId = Unset(TenantId);
        CompanyId = Unset(CompanyId);
        Auth.AuthorityHost = Unset(Auth.AuthorityHost);
        Webhook.NotificationUrl = Unset(Webhook.NotificationUrl);
        Webhook.ClientStates = [.. Webhook.ClientStates.Where(s => !string.IsNullOrEmpty(s))];
        Webhook.Resources = [.. Webhook.Resources.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => r.Trim())];
        if (Webhook.Resources.Count == 0)
        {
            Webhook.Resources = ["customers"];
        }

        Orders.StatusField = Unset(Orders.StatusField);
        Orders.StatusApiPath = Unset(Orders.StatusApiPath);
        Shipments.CustomApiPath = Unset(Shipments.CustomApiPath);
        LotJournal.ApiPath = Unset(LotJournal.ApiPath);
    }

    /// <summary>The root of the standard API: <c>{BaseUrl}/{tenant}/{environment}/api/v2.0/</c>.</summary>
    public Uri ApiRoot => new(ServiceRoot, "api/v2.0/");

    /// <summary>The service root: <c>{BaseUrl}/{tenant}/{environment}/</c> online, <c>{BaseUrl}/</c> on-premises.</summary>
    public Uri ServiceRoot => HttpBase.Address(string.IsNullOrEmpty(TenantId)
        ? BaseUrl
        : $"{BaseUrl.TrimEnd('/')}/{Uri.EscapeDataString(TenantId)}/{Uri.EscapeDataString(Environment ?? "production")}");

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (string.IsNullOrEmpty(CompanyId) && string.IsNullOrEmpty(CompanyName))
        {
            yield return new("BusinessCentral:CompanyId or BusinessCentral:CompanyName is required when Erp:Provider is BusinessCentral.", [nameof(CompanyId)]);
        }

        if (!string.IsNullOrEmpty(CompanyId) && !Guid.TryParse(CompanyId, out _))
        {
            yield return new("BusinessCentral:CompanyId must be the company's GUID (GET .../api/v2.0/companies lists them).", [nameof(CompanyId)]);
        }

        if (Auth.Mode != BusinessCentralAuthMode.Basic && string.IsNullOrEmpty(TenantId))
        {
            yield return new("BusinessCentral:TenantId is required with Entra ID sign-in (BusinessCentral:Auth:Mode is not Basic).", [nameof(TenantId)]);
        }

        if (Webhook.ClientStates.Any(s => s.Length > 2_048))
        {
            yield return new("BusinessCentral:Webhook:ClientStates: Business Central accepts a clientState of at most 2,048 characters.", [nameof(Webhook)]);
        }

        if (Webhook.NotificationUrl is not null && Webhook.ClientStates.Count == 0)
        {
            yield return new("BusinessCentral:Webhook:ClientStates:0 is required with BusinessCentral:Webhook:NotificationUrl (it authenticates the notifications).", [nameof(Webhook)]);
        }

        foreach (var result in NestedValidation.Validate(SectionName, (nameof(Auth), Auth), (nameof(Items), Items), (nameof(Orders), Orders),
                     (nameof(Shipments), Shipments), (nameof(LotJournal), LotJournal), (nameof(Webhook), Webhook), (nameof(Resilience), Resilience)))
        {
            yield return result;
        }
    }
}

/// <summary>How the app signs in to Business Central.</summary>
public enum BusinessCentralAuthMode
{
    /// <summary>Entra ID client credentials with a client secret (an app registration).</summary>
    ClientSecret,

    /// <summary>Entra ID client credentials with a certificate (a PFX/PEM file path, e.g. from Key Vault).</summary>
    ClientCertificate,

    /// <summary>The Function App's managed identity (system-assigned, or user-assigned with <see cref="BusinessCentralAuthOptions.ClientId"/>).</summary>
    ManagedIdentity,

    /// <summary>On-premises: HTTP Basic with a user name and its web service access key.</summary>
    Basic,
}

/// <summary>Business Central sign-in settings; which are required depends on <see cref="Mode"/>.</summary>
public sealed class BusinessCentralAuthOptions : IValidatableObject
{
    /// <summary>The scheme.</summary>
    public BusinessCentralAuthMode Mode { get; set; } = BusinessCentralAuthMode.ClientSecret;

    /// <summary>The app registration's client id (or a user-assigned managed identity's).</summary>
    public string? ClientId { get; set; }

    /// <summary>The client secret (a Key Vault reference in Azure).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The certificate file (PFX or PEM with its key) for <see cref="BusinessCentralAuthMode.ClientCertificate"/>.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The certificate file's password, when it has one.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The Entra authority host, for national clouds (default: the public cloud's).</summary>
    [Url]
    public string? AuthorityHost { get; set; }

    /// <summary>Skips Entra instance discovery (private or disconnected clouds whose authority is not known to Entra).</summary>
    public bool DisableInstanceDiscovery { get; set; }

    /// <summary>The on-premises user for <see cref="BusinessCentralAuthMode.Basic"/>.</summary>
    public string? Username { get; set; }

    /// <summary>The user's web service access key for <see cref="BusinessCentralAuthMode.Basic"/>.</summary>
    public string? AccessKey { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        static ValidationResult Missing(string names, BusinessCentralAuthMode mode)
            => new($"BusinessCentral:Auth:{names} required when BusinessCentral:Auth:Mode is {mode}.", [names]);

        switch (Mode)
        {
            case BusinessCentralAuthMode.ClientSecret when string.IsNullOrEmpty(ClientId) || string.IsNullOrEmpty(ClientSecret):
                yield return Missing("ClientId and ClientSecret are", Mode);
                break;
            case BusinessCentralAuthMode.ClientCertificate when string.IsNullOrEmpty(ClientId) || string.IsNullOrEmpty(CertificatePath):
                yield return Missing("ClientId and CertificatePath are", Mode);
                break;
            case BusinessCentralAuthMode.Basic when string.IsNullOrEmpty(Username) || string.IsNullOrEmpty(AccessKey):
                yield return Missing("Username and AccessKey are", Mode);
                break;
        }
    }
}

/// <summary>Tracktile products -> Business Central items.</summary>
public sealed class BusinessCentralItemOptions
{
    /// <summary>The Tracktile product field that becomes the item's <c>number</c> (Code[20]); e.g. <c>sku</c> or <c>id</c>.</summary>
    [Required]
    public string NumberProperty { get; set; } = "sku";

    /// <summary>The <c>type</c> of items created (<c>Inventory</c>, <c>Service</c>, <c>Non-Inventory</c>).</summary>
    [Required]
    public string Type { get; set; } = "Inventory";

    /// <summary>
    /// Tracktile unit -> Business Central unit of measure code (<c>kg</c> -> <c>KG</c>). A unit not listed is not sent,
    /// so the item keeps the unit Business Central gave it (a code that does not exist in BC would be refused).
    /// </summary>
    public Dictionary<string, string> UnitsOfMeasure { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Items of a product batch page written per <c>$batch</c> request (two requests: the look-ups, then the writes;
    /// Business Central takes at most 100 operations in one). 1 writes one item at a time, two calls each.
    /// </summary>
    [Range(1, 100)]
    public int BatchSize { get; set; } = 100;
}

/// <summary>What a Tracktile status does to a Business Central sales order.</summary>
public enum BusinessCentralCancelAction
{
    /// <summary>Delete the sales order (only while nothing of it is shipped: Business Central refuses otherwise).</summary>
    Delete,

    /// <summary>Leave the order as it is (a person handles it in Business Central).</summary>
    None,
}

/// <summary>How to find a Tracktile order's customer in Business Central when no link is known.</summary>
public enum BusinessCentralMissingCustomer
{
    /// <summary>A permanent failure naming the Tracktile customer (poison; fix the mapping and replay).</summary>
    Fail,

    /// <summary>Use <see cref="BusinessCentralOrderOptions.DefaultCustomerNumber"/>.</summary>
    UseDefault,

    /// <summary>Create the customer from Tracktile's, with a number derived from its id (so it is created once).</summary>
    Create,
}

/// <summary>Tracktile orders -> Business Central sales orders.</summary>
public sealed class BusinessCentralOrderOptions : IValidatableObject
{
    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(StatusField) && string.IsNullOrWhiteSpace(StatusApiPath))
        {
            yield return new("BusinessCentral:Orders:StatusApiPath is required with BusinessCentral:Orders:StatusField (standard API pages cannot carry a field of your own).", [nameof(StatusApiPath)]);
        }

        if (WhenCustomerMissing == BusinessCentralMissingCustomer.UseDefault && string.IsNullOrWhiteSpace(DefaultCustomerNumber))
        {
            yield return new("BusinessCentral:Orders:DefaultCustomerNumber is required when BusinessCentral:Orders:WhenCustomerMissing is UseDefault.", [nameof(DefaultCustomerNumber)]);
        }
    }

    /// <summary>
    /// Tracktile customer id -> Business Central customer number. Checked first; then the customer sync's link; then
    /// <see cref="WhenCustomerMissing"/>.
    /// </summary>
    public Dictionary<string, string> CustomerNumbers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>What to do when a customer is linked to none.</summary>
    public BusinessCentralMissingCustomer WhenCustomerMissing { get; set; } = BusinessCentralMissingCustomer.Fail;

    /// <summary>The customer number for <see cref="BusinessCentralMissingCustomer.UseDefault"/>.</summary>
    public string? DefaultCustomerNumber { get; set; }

    /// <summary>The start of numbers of customers created (<see cref="BusinessCentralMissingCustomer.Create"/>); the rest is a hash of the Tracktile id.</summary>
    [Required]
    [StringLength(6, MinimumLength = 1)]
    public string CreatedCustomerPrefix { get; set; } = "TT";

    /// <summary>
    /// Whether the Tracktile order's currency is sent as <c>currencyCode</c>. Off by default: Business Central takes the
    /// customer's currency, and refuses the local currency's own code (it is blank there).
    /// </summary>
    public bool SendCurrencyCode { get; set; }

    /// <summary>What <c>cancelled</c> does.</summary>
    public BusinessCentralCancelAction OnCancelled { get; set; } = BusinessCentralCancelAction.Delete;

    /// <summary>
    /// A sales order field that receives each status (mapped by <c>Erp:Orders:StatusMap</c>), for a company that added
    /// one; empty: statuses other than <c>cancelled</c> change nothing in Business Central. Standard API pages cannot be
    /// extended, so the field lives on the company's own API page over sales orders: <see cref="StatusApiPath"/>.
    /// </summary>
    public string? StatusField { get; set; }

    /// <summary>The API route (<c>{publisher}/{group}/{version}</c>) of the company's page that has <see cref="StatusField"/>.</summary>
    public string? StatusApiPath { get; set; }

    /// <summary>That page's entity set, keyed by the sales order's id (SystemId).</summary>
    [Required]
    public string StatusEntitySet { get; set; } = "salesOrders";
}

/// <summary>What confirms a Tracktile shipment in Business Central.</summary>
public enum BusinessCentralShipmentAction
{
    /// <summary><c>Microsoft.NAV.shipAndInvoice</c>: ships and invoices the sales order (standard API v2.0's only posting action).</summary>
    ShipAndInvoice,

    /// <summary>A bound action of the company's own (<see cref="BusinessCentralShipmentOptions.CustomActionPath"/>), e.g. a ship-only one.</summary>
    Custom,

    /// <summary>Nothing: a person posts shipments in Business Central.</summary>
    None,
}

/// <summary>Tracktile shipments -> Business Central.</summary>
public sealed class BusinessCentralShipmentOptions : IValidatableObject
{
    /// <summary>The action.</summary>
    public BusinessCentralShipmentAction Action { get; set; } = BusinessCentralShipmentAction.ShipAndInvoice;

    /// <summary>For <see cref="BusinessCentralShipmentAction.Custom"/>: the bound action after <c>salesOrders({id})/</c>, e.g. <c>Microsoft.NAV.ship</c>.</summary>
    public string? CustomActionPath { get; set; }

    /// <summary>
    /// For <see cref="BusinessCentralShipmentAction.Custom"/>: the API route (<c>{publisher}/{group}/{version}</c>) of
    /// the company's page that has the action (standard API pages cannot be extended), its entity set keyed by the sales
    /// order's id.
    /// </summary>
    public string? CustomApiPath { get; set; }

    /// <summary>That page's entity set.</summary>
    [Required]
    public string CustomEntitySet { get; set; } = "salesOrders";

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Action == BusinessCentralShipmentAction.Custom && (string.IsNullOrWhiteSpace(CustomActionPath) || string.IsNullOrWhiteSpace(CustomApiPath)))
        {
            yield return new("BusinessCentral:Shipments:CustomActionPath and CustomApiPath are required when BusinessCentral:Shipments:Action is Custom.", [nameof(CustomActionPath)]);
        }
    }
}

/// <summary>
/// A customer's custom API page over lot-tracked item journal lines (standard API v2.0 has neither item journals nor
/// lots). Empty <see cref="ApiPath"/>: stock movements go to poison with a reason naming this setting.
/// </summary>
public sealed class BusinessCentralLotJournalOptions
{
    /// <summary>The page's API route: <c>{publisher}/{group}/{version}</c>, e.g. <c>contoso/inventory/v1.0</c>.</summary>
    public string? ApiPath { get; set; }

    /// <summary>The page's entity set.</summary>
    [Required]
    public string EntitySet { get; set; } = "itemJournalLines";

    /// <summary>The bound action that posts a line; empty when the page posts on insert.</summary>
    public string? PostAction { get; set; } = "Microsoft.NAV.post";

    /// <summary>The item journal batch lines go to.</summary>
    public string? JournalName { get; set; } = "DEFAULT";

    /// <summary>Field names of the page (change them to fit yours).</summary>
    [Required]
    public BusinessCentralLotJournalFields Fields { get; set; } = new();
}

/// <summary>The field names of a lot journal page.</summary>
public sealed class BusinessCentralLotJournalFields
{
    /// <summary>The batch.</summary>
    public string JournalName { get; set; } = "journalName";

    /// <summary>The document number: the connector's idempotency key (looked up before a line is created).</summary>
    [Required]
    public string DocumentNumber { get; set; } = "documentNumber";

    /// <summary>The posting date.</summary>
    public string PostingDate { get; set; } = "postingDate";

    /// <summary>The item number.</summary>
    [Required]
    public string ItemNumber { get; set; } = "itemNumber";

    /// <summary>The lot number.</summary>
    [Required]
    public string LotNumber { get; set; } = "lotNumber";

    /// <summary>The quantity (negative for an outbound movement).</summary>
    [Required]
    public string Quantity { get; set; } = "quantity";

    /// <summary>The location code.</summary>
    public string LocationCode { get; set; } = "locationCode";

    /// <summary>The new location code of a transfer.</summary>
    public string NewLocationCode { get; set; } = "newLocationCode";

    /// <summary>The entry type.</summary>
    public string EntryType { get; set; } = "entryType";

    /// <summary>The unit of measure code.</summary>
    public string UnitOfMeasureCode { get; set; } = "unitOfMeasureCode";
}

/// <summary>Customer changes from Business Central.</summary>
public sealed class BusinessCentralWebhookOptions
{
    /// <summary>
    /// This app's public notification URL, <c>https://&lt;app&gt;.azurewebsites.net/api/webhooks/businesscentral</c>;
    /// empty: no subscription is made (the reconciliation still catches every change, later).
    /// </summary>
    [Url]
    public string? NotificationUrl { get; set; }

    /// <summary>The shared secrets Business Central sends back as <c>clientState</c> (at most 2,048 characters); the first is used for new subscriptions, all are accepted (rotation).</summary>
    public List<string> ClientStates { get; set; } = [];

    /// <summary>The entity sets subscribed to (default: <c>customers</c>, the only one synced today).</summary>
    public List<string> Resources { get; set; } = [];

    /// <summary>Subscriptions expiring sooner than this are renewed (they last 3 days).</summary>
    [Range(1, 70)]
    public int RenewBeforeHours { get; set; } = 36;

    /// <summary>Minutes between reconciliation runs (customers changed since the last run, so a lost notification is still applied); at least 5, the timer's tick.</summary>
    [Range(5, 1_440)]
    public int ReconcileEveryMinutes { get; set; } = 15;

    /// <summary>How far back each reconciliation re-reads before its last run (clock differences, slow commits).</summary>
    [Range(0, 1_440)]
    public int ReconcileOverlapMinutes { get; set; } = 5;
}
