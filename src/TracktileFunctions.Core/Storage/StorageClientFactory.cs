using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace TracktileFunctions.Storage;

/// <summary>
/// Creates storage clients from a Functions-style connection setting: a connection string (Azurite, local), or an
/// identity-based connection (<c>__accountName</c>, or <c>__queueServiceUri</c> / <c>__blobServiceUri</c> /
/// <c>__tableServiceUri</c>, with an optional <c>__clientId</c> for a user-assigned managed identity).
/// </summary>
public sealed class StorageClientFactory
{
    private readonly string? _connectionString;
    private readonly IConfigurationSection _section;
    private readonly string _name;
    private readonly Lazy<TokenCredential> _credential;

    /// <summary>Reads the connection named <paramref name="connectionName"/> from <paramref name="configuration"/>.</summary>
    public StorageClientFactory(IConfiguration configuration, string connectionName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _name = connectionName;
        _section = configuration.GetSection(connectionName);
        _connectionString = string.IsNullOrWhiteSpace(_section.Value) ? null : _section.Value;
        _credential = new Lazy<TokenCredential>(() => _section["clientId"] is { Length: > 0 } clientId
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential());
    }

    /// <summary>True when the connection is a connection string rather than an identity-based one.</summary>
    public bool UsesConnectionString => _connectionString is not null;

    /// <summary>The app's identity: the user-assigned managed identity named by <c>__clientId</c>, else the default chain (for Key Vault too).</summary>
    public TokenCredential Credential => _credential.Value;

    /// <summary>Retries short enough for a webhook answer: storage trouble becomes a quick 503, not a hung request.</summary>
    public static void ApplyFastRetry(ClientOptions options)
    {
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
    }

    /// <summary>
    /// A queue service client whose messages are base64, as the Functions queue trigger expects; or, with
    /// <paramref name="base64"/> false, one that moves stored message text as it is (whatever it holds).
    /// </summary>
    public QueueServiceClient CreateQueueServiceClient(bool base64 = true)
    {
        var options = new QueueClientOptions { MessageEncoding = base64 ? QueueMessageEncoding.Base64 : QueueMessageEncoding.None };
        ApplyFastRetry(options);
        return _connectionString is not null
            ? new QueueServiceClient(_connectionString, options)
            : new QueueServiceClient(ServiceUri("queue"), _credential.Value, options);
    }

    /// <summary>A blob service client.</summary>
    public BlobServiceClient CreateBlobServiceClient()
    {
        var options = new BlobClientOptions();
        ApplyFastRetry(options);
        return _connectionString is not null
            ? new BlobServiceClient(_connectionString, options)
            : new BlobServiceClient(ServiceUri("blob"), _credential.Value, options);
    }

    /// <summary>A table service client.</summary>
    public TableServiceClient CreateTableServiceClient()
    {
        var options = new TableClientOptions();
        ApplyFastRetry(options);
        return _connectionString is not null
            ? new TableServiceClient(_connectionString, options)
            : new TableServiceClient(ServiceUri("table"), _credential.Value, options);
    }

    /// <summary>The service endpoint for an identity-based connection.</summary>
    public Uri ServiceUri(string service)
    {
        if (_section[$"{service}ServiceUri"] is { Length: > 0 } uri)
        {
            return new Uri(uri, UriKind.Absolute);
        }

        if (_section["accountName"] is { Length: > 0 } account)
        {
            return new Uri($"https://{account}.{service}.core.windows.net", UriKind.Absolute);
        }

        throw new InvalidOperationException(
            $"Storage connection '{_name}' is not configured: set '{_name}' to a connection string, or set " +
            $"'{_name}__accountName' (or '{_name}__{service}ServiceUri') to use a managed identity.");
    }
}
