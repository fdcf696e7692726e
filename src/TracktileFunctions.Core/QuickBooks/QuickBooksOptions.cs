using System.ComponentModel.DataAnnotations;
using TracktileFunctions.Accounting;
using TracktileFunctions.Http;
using TracktileFunctions.Sync;

namespace TracktileFunctions.QuickBooks;

/// <summary>QuickBooks Online (Accounting API v3) as the ledger. Bound from <c>QuickBooks</c> (docs/connectors/quickbooks.md).</summary>
public sealed class QuickBooksOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "QuickBooks";

    /// <summary>The lowest minor version Intuit serves (versions 1-74 are ignored since 1 August 2025).</summary>
    public const int MinMinorVersion = 75;

    /// <summary>Intuit's limit of batch requests a minute per company and app.</summary>
    public const int MaxBatchRequestsPerMinute = 40;

    /// <summary>The Intuit app's client id (developer portal, Keys and credentials). Empty: QuickBooks is off.</summary>
    public string? ClientId { get; set; }

    /// <summary>The Intuit app's client secret. Keep it in Key Vault.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// This app's OAuth callback, registered as a redirect URI of the Intuit app:
    /// <c>https://&lt;app&gt;.azurewebsites.net/api/connect/quickbooks/callback</c>.
    /// </summary>
    public string? RedirectUri { get; set; }

    /// <summary>The Accounting API root: production <c>https://quickbooks.api.intuit.com/</c>, sandbox companies <c>https://sandbox-quickbooks.api.intuit.com/</c>.</summary>
    [Required]
    public string BaseUrl { get; set; } = "https://quickbooks.api.intuit.com/";

    /// <summary>Intuit's authorization page.</summary>
    [Required]
    public string AuthorizeUrl { get; set; } = "https://appcenter.intuit.com/connect/oauth2";

    /// <summary>Intuit's token endpoint (code exchange and refresh).</summary>
    [Required]
    public string TokenUrl { get; set; } = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer";

    /// <summary>The OAuth scope asked for.</summary>
    [Required]
    public string Scope { get; set; } = "com.intuit.quickbooks.accounting";

    /// <summary>The <c>minorversion</c> sent on every call (75 or later).</summary>
    [Range(MinMinorVersion, 999)]
    public int MinorVersion { get; set; } = MinMinorVersion;

    /// <summary>
    /// The verifier tokens of the Intuit app's webhooks (developer portal, Webhooks): every one in the list is accepted,
    /// so a new token can be added before the old one is removed.
    /// </summary>
    public List<string> WebhookVerifierTokens { get; set; } = [];

    /// <summary>Tracktile orders -> QuickBooks invoices.</summary>
    [Required]
    public InvoiceOptions Invoices { get; set; } = new();

    /// <summary>Tracktile customers <-> QuickBooks customers.</summary>
    [Required]
    public QuickBooksCustomerOptions Customers { get; set; } = new();

    /// <summary>Tracktile products -> QuickBooks items (an invoice line names its item).</summary>
    [Required]
    public QuickBooksItemOptions Items { get; set; } = new();

    /// <summary>How many minutes back the change-data-capture reconciliation looks on its first run (QuickBooks keeps 30 days).</summary>
    [Range(1, 30 * 24 * 60)]
    public int ReconcileInitialMinutes { get; set; } = 24 * 60;

    /// <summary>How much each reconciliation run overlaps the previous one (seconds).</summary>
    [Range(0, 3_600)]
    public int ReconcileOverlapSeconds { get; set; } = 300;

    /// <summary>Calls per minute per company (Intuit: 500).</summary>
    [Range(1, 500)]
    public int RequestsPerMinute { get; set; } = 500;

    /// <summary>
    /// Batch calls (<c>POST batch</c>) per minute that leave this instance (Intuit: 40 per company and app). A batch also
    /// counts as one of <see cref="RequestsPerMinute"/>.
    /// </summary>
    [Range(1, MaxBatchRequestsPerMinute)]
    public int BatchRequestsPerMinute { get; set; } = MaxBatchRequestsPerMinute;

    /// <summary>How long to wait after a 429 that carries no <c>Retry-After</c> (Intuit documents 60 s).</summary>
    [Range(0.01, 600)]
    public double ThrottleWaitSeconds { get; set; } = 60;

    /// <summary>How long one call waits in total for throttling before the event goes back to its queue (seconds).</summary>
    [Range(0, 600)]
    public int MaxThrottleWaitSeconds { get; set; } = 120;

    /// <summary>Timeouts, retries and the cap on calls in flight (Intuit: 10 per company).</summary>
    [Required]
    public ApiResilienceOptions Resilience { get; set; } = new() { MaxConcurrency = 10, AttemptTimeoutSeconds = 30, TotalTimeoutSeconds = 120 };

    /// <summary>Whether QuickBooks is on.</summary>
    public bool Enabled => ClientId is not null;

    /// <summary>Reads empty app settings as unset ones.</summary>
    public void Normalize()
    {
        static string? Unset(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        ClientId = Unset(ClientId);
        ClientSecret = Unset(ClientSecret);
        RedirectUri = Unset(RedirectUri);
        WebhookVerifierTokens = [.. WebhookVerifierTokens.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim())];
        Invoices.Normalize();
        Customers.Map = Customers.Map.Where(p => !string.IsNullOrWhiteSpace(p.Value)).ToDictionary(p => p.Key, p => p.Value.Trim(), StringComparer.Ordinal);
        Items.Map = Items.Map.Where(p => !string.IsNullOrWhiteSpace(p.Value)).ToDictionary(p => p.Key, p => p.Value.Trim(), StringComparer.Ordinal);
        Items.IncomeAccountId = Unset(Items.IncomeAccountId);
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (ClientSecret is null)
        {
            yield return new ValidationResult("QuickBooks: set QuickBooks:ClientSecret (the Intuit app's client secret) with QuickBooks:ClientId.", [nameof(ClientSecret)]);
        }

        if (RedirectUri is null || !Uri.TryCreate(RedirectUri, UriKind.Absolute, out _))
        {
            yield return new ValidationResult(
                "QuickBooks:RedirectUri must be this app's absolute callback URL (https://<app>/api/connect/quickbooks/callback), registered in the Intuit app.", [nameof(RedirectUri)]);
        }

        foreach (var (name, url) in new[] { (nameof(BaseUrl), BaseUrl), (nameof(AuthorizeUrl), AuthorizeUrl), (nameof(TokenUrl), TokenUrl) })
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out _))
            {
                yield return new ValidationResult($"QuickBooks:{name} must be an absolute URL.", [name]);
            }
        }

        if (Items.CreateMissing && Items.IncomeAccountId is null)
        {
            yield return new ValidationResult(
                "QuickBooks:Items:CreateMissing needs QuickBooks:Items:IncomeAccountId (the income account new items post to); or set CreateMissing to false and map items.", [nameof(Items)]);
        }

        foreach (var result in Invoices.Validate().Concat(NestedValidation.Validate(SectionName, (nameof(Invoices), Invoices), (nameof(Resilience), Resilience))))
        {
            yield return result;
        }
    }
}

/// <summary>How Tracktile customers are found in QuickBooks, and synced. Bound from <c>QuickBooks:Customers</c>.</summary>
public sealed class QuickBooksCustomerOptions
{
    /// <summary>Tracktile customer id -> QuickBooks customer id, for customers linked by hand.</summary>
    public Dictionary<string, string> Map { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Whether a Tracktile customer not mapped and not found by display name is created in QuickBooks (else the invoice fails, naming it).</summary>
    public bool CreateMissing { get; set; } = true;

    /// <summary>Who keeps a field both sides changed since the last sync (<c>Erp</c> here means QuickBooks).</summary>
    public CustomerConflictWinner ConflictWinner { get; set; } = CustomerConflictWinner.Erp;

    /// <summary>
    /// The kind of Tracktile's customer event (Tracktile does not document one; if it sends none, customers still flow
    /// from QuickBooks to Tracktile). Empty: Tracktile's customer events are not routed to QuickBooks.
    /// </summary>
    public string? TracktileEventKind { get; set; } = "customer.updated";

    /// <summary>The property of Tracktile's customer event that holds the customer id (undocumented).</summary>
    public string EventCustomerIdProperty { get; set; } = "customerId";
}

/// <summary>How Tracktile products are found in QuickBooks. Bound from <c>QuickBooks:Items</c>.</summary>
public sealed class QuickBooksItemOptions
{
    /// <summary>Tracktile product id -> QuickBooks item id, for items linked by hand.</summary>
    public Dictionary<string, string> Map { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Which QuickBooks item field holds the product's SKU: <c>Sku</c> or <c>Name</c>.</summary>
    public QuickBooksItemMatch MatchBy { get; set; } = QuickBooksItemMatch.Sku;

    /// <summary>Whether a product not mapped and not found is created as an item of <see cref="Type"/>.</summary>
    public bool CreateMissing { get; set; } = true;

    /// <summary>The type of created items: <c>NonInventory</c> or <c>Service</c> (stock stays in Tracktile).</summary>
    public QuickBooksItemType Type { get; set; } = QuickBooksItemType.NonInventory;

    /// <summary>The income account (its QuickBooks id) created items post to; required to create items.</summary>
    public string? IncomeAccountId { get; set; }

    /// <summary>
    /// Whether the product batch also keeps the items in step (queue <c>quickbooks-products</c>): found or created, and
    /// their description and active flag updated, a page at a time through QuickBooks' batch calls. False: items are
    /// only found or created when an invoice needs them.
    /// </summary>
    public bool SyncProducts { get; set; } = true;
}

/// <summary>The QuickBooks item field a SKU is matched on.</summary>
public enum QuickBooksItemMatch
{
    /// <summary>The item's <c>Sku</c>.</summary>
    Sku,

    /// <summary>The item's <c>Name</c>.</summary>
    Name,
}

/// <summary>The type of items the app creates.</summary>
public enum QuickBooksItemType
{
    /// <summary>A non-inventory product.</summary>
    NonInventory,

    /// <summary>A service.</summary>
    Service,
}
