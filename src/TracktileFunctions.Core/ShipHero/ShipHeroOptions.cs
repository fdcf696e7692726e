using System.ComponentModel.DataAnnotations;
using TracktileFunctions.Http;

namespace TracktileFunctions.ShipHero;

/// <summary>ShipHero's Public API (GraphQL). Bound from <c>ShipHero</c> (docs/connectors/shiphero.md).</summary>
public sealed class ShipHeroOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "ShipHero";

    /// <summary>The API root: <c>/auth/token</c>, <c>/auth/refresh</c> and <c>/graphql</c> sit under it. Only tests change it.</summary>
    [Required]
    [Url]
    public string BaseUrl { get; set; } = "https://public-api.shiphero.com/";

    /// <summary>The dedicated API user's email. Empty (and no <see cref="RefreshToken"/>): ShipHero is off.</summary>
    public string? Username { get; set; }

    /// <summary>The API user's password, used only when no stored refresh token works.</summary>
    public string? Password { get; set; }

    /// <summary>A refresh token from ShipHero's developer page, instead of a user and password.</summary>
    public string? RefreshToken { get; set; }

    /// <summary>For 3PL accounts: the customer account the app works for (<c>customer_account_id</c>).</summary>
    public string? CustomerAccountId { get; set; }

    /// <summary>The <c>shop_name</c> the app's orders and webhooks carry in ShipHero.</summary>
    [Required]
    public string ShopName { get; set; } = "tracktile";

    /// <summary>Whether ShipHero is on.</summary>
    public bool Enabled => Username is not null || RefreshToken is not null;

    /// <summary>Tracktile shipments -> ShipHero orders.</summary>
    [Required]
    public Warehouse.WarehouseOrderOptions Orders { get; set; } = new();

    /// <summary>
    /// Tracktile node -> ShipHero warehouse (its id), for the nodes the WMS runs. List form: <c>Warehouses:0:Node</c>,
    /// <c>Warehouses:0:WarehouseId</c>. Movements of other nodes change nothing in ShipHero.
    /// </summary>
    public List<ShipHeroWarehouseOptions> Warehouses { get; set; } = [];

    /// <summary>The shared secrets of ShipHero's webhooks, besides the ones the app stored when it registered them.</summary>
    public List<string> WebhookSecrets { get; set; } = [];

    /// <summary>The public URL of this app's ShipHero webhook (<c>https://app.example.com/api/webhooks/shiphero</c>), for registration.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>How many minutes back the reconciliation looks on its first run.</summary>
    [Range(1, 7 * 24 * 60)]
    public int ReconcileInitialMinutes { get; set; } = 24 * 60;

    /// <summary>How much each reconciliation run overlaps the previous one (seconds).</summary>
    [Range(0, 3_600)]
    public int ReconcileOverlapSeconds { get; set; } = 600;

    /// <summary>Timeouts, retries and the cap on calls in flight.</summary>
    [Required]
    public ApiResilienceOptions Resilience { get; set; } = new() { MaxConcurrency = 4 };

    /// <summary>How long a call waits in total for credits before the event goes back to the queue (seconds).</summary>
    [Range(1, 600)]
    public int MaxThrottleWaitSeconds { get; set; } = 60;

    /// <summary>Reads empty app settings as unset ones.</summary>
    public void Normalize()
    {
        static string? Unset(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        Username = Unset(Username);
        Password = Unset(Password);
        RefreshToken = Unset(RefreshToken);
        CustomerAccountId = Unset(CustomerAccountId);
        WebhookUrl = Unset(WebhookUrl);
        ShopName = Unset(ShopName) ?? "tracktile";
        WebhookSecrets = [.. WebhookSecrets.Where(s => !string.IsNullOrWhiteSpace(s))];
        Warehouses = [.. Warehouses.Where(w => !string.IsNullOrWhiteSpace(w.Node) || !string.IsNullOrWhiteSpace(w.WarehouseId))];
        Orders.Normalize();
    }

    /// <summary>The warehouse a Tracktile node is, or null.</summary>
    public string? WarehouseOf(string nodeId) => Warehouses.FirstOrDefault(w => w.Node == nodeId)?.WarehouseId;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (RefreshToken is null && (Username is null || Password is null))
        {
            yield return new ValidationResult("ShipHero: set ShipHero:Username and ShipHero:Password (the API user), or ShipHero:RefreshToken.", [nameof(Password)]);
        }

        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("ShipHero:BaseUrl must be an absolute URL.", [nameof(BaseUrl)]);
        }

        if (WebhookUrl is not null && !Uri.TryCreate(WebhookUrl, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("ShipHero:WebhookUrl must be an absolute URL.", [nameof(WebhookUrl)]);
        }

        for (var i = 0; i < Warehouses.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Warehouses[i].Node) || string.IsNullOrWhiteSpace(Warehouses[i].WarehouseId))
            {
                yield return new ValidationResult($"ShipHero:Warehouses:{i} needs both Node and WarehouseId.", [nameof(Warehouses)]);
            }
        }
    }
}

/// <summary>One Tracktile node run by one ShipHero warehouse.</summary>
public sealed class ShipHeroWarehouseOptions
{
    /// <summary>The Tracktile node id.</summary>
    public string Node { get; set; } = "";

    /// <summary>The ShipHero warehouse id.</summary>
    public string WarehouseId { get; set; } = "";
}
