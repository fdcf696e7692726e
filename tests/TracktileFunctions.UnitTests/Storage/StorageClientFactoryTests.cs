using Microsoft.Extensions.Configuration;
using TracktileFunctions.Storage;

namespace TracktileFunctions.UnitTests.Storage;

public sealed class StorageClientFactoryTests
{
    private static StorageClientFactory Factory(params (string Key, string Value)[] settings)
        => new(new ConfigurationBuilder().AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => (string?)s.Value)).Build(), "AzureWebJobsStorage");

    [Fact]
    public void CreateQueueServiceClient_ConnectionString_UsesItsEndpoint()
    {
        var factory = Factory(("AzureWebJobsStorage", "UseDevelopmentStorage=true"));

        Assert.True(factory.UsesConnectionString);
        Assert.Equal("devstoreaccount1", factory.CreateQueueServiceClient().AccountName);
    }

    [Fact]
    public void CreateClients_AccountNameOnly_UseIdentityEndpoints()
    {
        var factory = Factory(("AzureWebJobsStorage:accountName", "contoso"));

        Assert.False(factory.UsesConnectionString);
        Assert.Equal(new Uri("https://contoso.queue.core.windows.net/"), factory.CreateQueueServiceClient().Uri);
        Assert.Equal(new Uri("https://contoso.blob.core.windows.net/"), factory.CreateBlobServiceClient().Uri);
        Assert.Equal(new Uri("https://contoso.table.core.windows.net/"), factory.CreateTableServiceClient().Uri);
    }

    [Fact]
    public void CreateQueueServiceClient_ExplicitServiceUri_WinsOverAccountName()
    {
        var factory = Factory(
            ("AzureWebJobsStorage:accountName", "contoso"),
            ("AzureWebJobsStorage:queueServiceUri", "https://queues.example.test/"),
            ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001"));

        Assert.Equal(new Uri("https://queues.example.test/"), factory.CreateQueueServiceClient().Uri);
    }

    [Fact]
    public void CreateQueueServiceClient_NothingConfigured_ThrowsNamingTheSetting()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Factory().CreateQueueServiceClient());

        Assert.Contains("AzureWebJobsStorage__accountName", ex.Message, StringComparison.Ordinal);
    }
}
