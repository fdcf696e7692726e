using System.ComponentModel.DataAnnotations;
using TracktileFunctions.Http;

namespace TracktileFunctions.RestErp;

/// <summary>The ERP's REST API (see docs/erp-contract.md). Bound from <c>Erp</c>.</summary>
public sealed class RestErpOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Erp";

    /// <summary>The ERP adapter's base address.</summary>
    [Required(ErrorMessage = "Erp:BaseUrl is required (the ERP adapter's base address).")]
    [Url]
    public string BaseUrl { get; set; } = "";

    /// <summary>How the app authenticates to the ERP.</summary>
    [Required]
    public RestErpAuthOptions Auth { get; set; } = new();

    /// <summary>The contract's paths, relative to <see cref="BaseUrl"/>.</summary>
    [Required]
    public RestErpPaths Paths { get; set; } = new();

    /// <summary>Timeouts, retries and the concurrency cap that protects the ERP.</summary>
    [Required]
    public ApiResilienceOptions Resilience { get; set; } = new();

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
        => NestedValidation.Validate(SectionName, (nameof(Auth), Auth), (nameof(Paths), Paths), (nameof(Resilience), Resilience));
}

/// <summary>The contract's paths; <c>{placeholders}</c> are filled and URL-escaped.</summary>
public sealed class RestErpPaths
{
    /// <summary>Create a sales order.</summary>
    [Required]
    public string CreateSalesOrder { get; set; } = "sales-orders";

    /// <summary>Update a sales order's status; <c>{id}</c> is the ERP id.</summary>
    [Required]
    public string UpdateSalesOrder { get; set; } = "sales-orders/{id}";

    /// <summary>Confirm a shipment; <c>{shipmentId}</c> is Tracktile's id.</summary>
    [Required]
    public string ConfirmShipment { get; set; } = "shipments/{shipmentId}/confirm";

    /// <summary>Upsert a product; <c>{productId}</c> is Tracktile's id.</summary>
    [Required]
    public string UpsertProduct { get; set; } = "products/{productId}";

    /// <summary>Replace a customer; <c>{customerId}</c> is the ERP's id.</summary>
    [Required]
    public string UpsertCustomer { get; set; } = "customers/{customerId}";

    /// <summary>Read a customer; <c>{customerId}</c> is the ERP's id.</summary>
    [Required]
    public string GetCustomer { get; set; } = "customers/{customerId}";

    /// <summary>Post a stock movement.</summary>
    [Required]
    public string StockMovements { get; set; } = "stock-movements";
}

/// <summary>The ways to authenticate to the ERP.</summary>
public enum ErpAuthMode
{
    /// <summary>No authentication (a trusted network, or the sandbox).</summary>
    None,

    /// <summary>A key in a header.</summary>
    ApiKey,

    /// <summary>A static bearer token.</summary>
    Bearer,

    /// <summary>HTTP basic authentication.</summary>
    Basic,

    /// <summary>OAuth 2.0 client credentials; the token is cached until shortly before it expires.</summary>
    OAuth2ClientCredentials,
}

/// <summary>ERP authentication settings; which ones are required depends on <see cref="Mode"/>.</summary>
public sealed class RestErpAuthOptions : IValidatableObject
{
    /// <summary>The scheme.</summary>
    public ErpAuthMode Mode { get; set; } = ErpAuthMode.None;

    /// <summary>The header for <see cref="ErpAuthMode.ApiKey"/>.</summary>
    public string ApiKeyHeader { get; set; } = "X-Api-Key";

    /// <summary>The key for <see cref="ErpAuthMode.ApiKey"/>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The token for <see cref="ErpAuthMode.Bearer"/>.</summary>
    public string? Token { get; set; }

    /// <summary>The user for <see cref="ErpAuthMode.Basic"/>.</summary>
    public string? Username { get; set; }

    /// <summary>The password for <see cref="ErpAuthMode.Basic"/>.</summary>
    public string? Password { get; set; }

    /// <summary>The token endpoint for <see cref="ErpAuthMode.OAuth2ClientCredentials"/>.</summary>
    public string? TokenUrl { get; set; }

    /// <summary>The client id for <see cref="ErpAuthMode.OAuth2ClientCredentials"/>.</summary>
    public string? ClientId { get; set; }

    /// <summary>The client secret for <see cref="ErpAuthMode.OAuth2ClientCredentials"/>.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The scope(s), space-separated, when the token endpoint wants them.</summary>
    public string? Scope { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        static ValidationResult Missing(string name, ErpAuthMode mode)
            => new($"Erp:Auth:{name} is required when Erp:Auth:Mode is {mode}.", [name]);

        switch (Mode)
        {
            case ErpAuthMode.ApiKey when string.IsNullOrEmpty(ApiKey):
                yield return Missing(nameof(ApiKey), Mode);
                break;
            case ErpAuthMode.Bearer when string.IsNullOrEmpty(Token):
                yield return Missing(nameof(Token), Mode);
                break;
            case ErpAuthMode.Basic when string.IsNullOrEmpty(Username) || Password is null:
                yield return Missing($"{nameof(Username)} and {nameof(Password)}", Mode);
                break;
            case ErpAuthMode.OAuth2ClientCredentials when string.IsNullOrEmpty(TokenUrl) || string.IsNullOrEmpty(ClientId) || string.IsNullOrEmpty(ClientSecret):
                yield return Missing($"{nameof(TokenUrl)}, {nameof(ClientId)} and {nameof(ClientSecret)}", Mode);
                break;
        }
    }
}
