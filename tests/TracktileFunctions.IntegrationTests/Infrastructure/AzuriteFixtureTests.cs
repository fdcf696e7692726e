using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

[Collection(AzuriteCollection.Name)]
public sealed class AzuriteFixtureTests(AzuriteFixture azurite) : IAsyncLifetime
{
    public Task InitializeAsync() => azurite.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task StopAsync_ThenSend_Fails()
    {
        var queue = azurite.Queue("stopped");
        await queue.CreateAsync();

        await azurite.StopAsync();

        Assert.False(azurite.IsRunning);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => queue.SendMessageAsync("lost"));
        Assert.True(IsStorageUnreachable(error), $"Expected a transport failure, got: {error}");
    }

    [Fact]
    public async Task ResetAsync_AfterStop_RestartsWithSameConnectionString()
    {
        var connectionString = azurite.ConnectionString;
        await azurite.StopAsync();

        await azurite.ResetAsync();

        Assert.True(azurite.IsRunning);
        Assert.Equal(connectionString, azurite.ConnectionString);
        var queue = azurite.Queue("restarted");
        await queue.CreateAsync();
        await queue.SendMessageAsync("back");
        Assert.Equal(["back"], await azurite.PeekAllAsync("restarted"));
    }

    [Fact]
    public async Task ResetAsync_AccountHasQueuesTablesAndContainers_DeletesThemAll()
    {
        await azurite.Queue("reset-queue").CreateAsync();
        var tables = new TableServiceClient(azurite.ConnectionString);
        await tables.CreateTableAsync("resettable");
        var blobs = new BlobServiceClient(azurite.ConnectionString);
        await blobs.CreateBlobContainerAsync("reset-container");

        await azurite.ResetAsync();

        Assert.False(await azurite.QueueExistsAsync("reset-queue"));
        Assert.Empty(await tables.QueryAsync().ToListAsync());
        Assert.Empty(await blobs.GetBlobContainersAsync().ToListAsync());
    }

    [Fact]
    public async Task Queue_DefaultEncoding_StoresBase64()
    {
        var queue = azurite.Queue("encoding");
        await queue.CreateAsync();

        await queue.SendMessageAsync("hello");

        Assert.Equal(["aGVsbG8="], await azurite.PeekAllAsync("encoding", QueueMessageEncoding.None));
        Assert.Equal(["hello"], await azurite.PeekAllAsync("encoding"));
    }

    [Fact]
    public async Task MessageCountAsync_MissingQueue_ReturnsZero()
    {
        Assert.Equal(0, await azurite.MessageCountAsync("never-created"));
        Assert.Empty(await azurite.PeekAllAsync("never-created"));
    }

    private static bool IsStorageUnreachable(Exception error) => error switch
    {
        RequestFailedException { Status: 0 } => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsStorageUnreachable),
        _ => false,
    };
}
