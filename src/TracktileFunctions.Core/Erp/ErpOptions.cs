using Microsoft.Extensions.Configuration;

namespace TracktileFunctions.Erp;

/// <summary>The ERP systems the app can talk to.</summary>
public enum ErpProvider
{
    /// <summary>The app's own REST contract (docs/erp-contract.md), for an adapter or an ERP that speaks it.</summary>
    Rest,

    /// <summary>Microsoft Dynamics 365 Business Central, API v2.0 (docs/connectors/business-central.md).</summary>
    BusinessCentral,
}

/// <summary>Which ERP the app talks to: <c>Erp:Provider</c>.</summary>
public static class ErpOptions
{
    /// <summary>The setting's name.</summary>
    public const string ProviderKey = "Erp:Provider";

    /// <summary>The configured provider (<see cref="ErpProvider.Rest"/> when unset).</summary>
    /// <exception cref="InvalidOperationException">The setting names no known provider.</exception>
    public static ErpProvider Provider(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[ProviderKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return ErpProvider.Rest;
        }

        return Enum.TryParse<ErpProvider>(value.Trim(), ignoreCase: true, out var provider) && Enum.IsDefined(provider)
            ? provider
            : throw new InvalidOperationException(
                $"{ProviderKey} (app setting Erp__Provider) is '{value}': use one of {string.Join(", ", Enum.GetNames<ErpProvider>())}.");
    }
}
