using Azure;
using Azure.Data.Tables;
using Azure.Security.KeyVault.Secrets;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Secrets;

/// <summary>
/// Where the app keeps the secrets it is given at run time (a webhook's shared secret revealed once, an API user's
/// tokens): Azure Key Vault when <c>Secrets:KeyVaultUri</c> is set (the app's managed identity needs get and set), else
/// a table in the app's own storage account (local runs on Azurite). Never in app settings, logs or the repo.
/// </summary>
public interface ISecretStore
{
    /// <summary>The secret's current value, or null when it was never stored.</summary>
    Task<string?> GetAsync(string name, CancellationToken cancellationToken);

    /// <summary>Stores a new value (a new version in Key Vault).</summary>
    Task SetAsync(string name, string value, CancellationToken cancellationToken);
}

/// <summary>Settings of the secret store. Bound from <c>Secrets</c>.</summary>
public sealed class SecretStoreOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Secrets";

    /// <summary>The vault (<c>https://my-vault.vault.azure.net/</c>); empty: the storage account's <c>appsecrets</c> table.</summary>
    public string? KeyVaultUri { get; set; }
}

/// <summary>Azure Key Vault secrets (names: letters, digits and dashes).</summary>
public sealed class KeyVaultSecretStore(SecretClient client) : ISecretStore
{
    /// <inheritdoc />
    public async Task<string?> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.GetSecretAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false)).Value.Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public Task SetAsync(string name, string value, CancellationToken cancellationToken)
        => client.SetSecretAsync(name, value, cancellationToken);
}

/// <summary>A table in the app's storage account: for local runs (Azurite) and deployments without a vault.</summary>
public sealed class TableSecretStore(LazyTable table) : ISecretStore
{
    /// <summary>The table's name.</summary>
    public const string TableName = "appsecrets";

    private const string Partition = "secret";

    /// <inheritdoc />
    public async Task<string?> GetAsync(string name, CancellationToken cancellationToken)
    {
        var found = await table.RunAsync(
            t => t.GetEntityIfExistsAsync<TableEntity>(Partition, TableKeys.Escape(name), cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
        return found.HasValue ? found.Value!.GetString("Value") : null;
    }

    /// <inheritdoc />
    public Task SetAsync(string name, string value, CancellationToken cancellationToken)
        => table.RunAsync(t => t.UpsertEntityAsync(new TableEntity(Partition, TableKeys.Escape(name)) { ["Value"] = value }, TableUpdateMode.Replace, cancellationToken), cancellationToken);
}
