using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Operations;
using TracktileFunctions.Storage;

namespace TracktileFunctions.IntegrationTests.Operations;

/// <summary>The activity log on Azurite: what two instances saw, read back together, and counts leaving the window.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ActivityLogTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync() => azurite.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private ActivityLog Log(string instance)
        => new(new LazyTable(new TableClient(azurite.ConnectionString, ActivityLog.TableName)), _clock,
            new OperationsOptions { InstanceId = instance, WindowMinutes = 60 });

    [Fact]
    public async Task ReadAsync_TwoInstancesFlushed_MergesCountsAndKeepsTheLatestFailure()
    {
        using var a = Log("a");
        using var b = Log("b");
        a.Record(ActivityLog.SystemSubject("erp"), ActivityLog.Ok);
        a.Record(ActivityLog.SystemSubject("erp"), "500");
        _clock.Advance(TimeSpan.FromMinutes(1));
        b.Record(ActivityLog.SystemSubject("erp"), "429");
        b.Record(ActivityLog.SystemSubject("erp"), ActivityLog.Ok);
        b.Record(ActivityLog.WebhookSubject("tracktile"), "signature");

        await a.FlushAsync(CancellationToken.None);
        await b.FlushAsync(CancellationToken.None);
        var read = await a.ReadAsync(CancellationToken.None);

        var erp = read[ActivityLog.SystemSubject("erp")];
        Assert.Equal(new Dictionary<string, long> { ["ok"] = 2, ["500"] = 1, ["429"] = 1 }, erp.Counts);
        Assert.Equal(("429", _clock.GetUtcNow(), _clock.GetUtcNow()), (erp.LastFailure, erp.LastFailureAt, erp.LastSuccessAt));
        Assert.Equal(1, read[ActivityLog.WebhookSubject("tracktile")].Counts["signature"]);
    }

    [Fact]
    public async Task FlushAsync_CountsOlderThanTheWindow_LeaveTheCountsButNotTheLastSuccess()
    {
        using var log = Log("a");
        log.Record(ActivityLog.SystemSubject("shopify"), ActivityLog.Ok);
        var at = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromMinutes(61));
        log.Record(ActivityLog.SystemSubject("shopify"), "timeout");

        await log.FlushAsync(CancellationToken.None);
        var shopify = (await log.ReadAsync(CancellationToken.None))[ActivityLog.SystemSubject("shopify")];

        Assert.Equal(new Dictionary<string, long> { ["timeout"] = 1 }, shopify.Counts);
        Assert.Equal(at, shopify.LastSuccessAt);
    }

    [Fact]
    public async Task ReadAsync_InstanceLastFlushedBeforeTheWindow_ItsCountsLeftOut()
    {
        using var gone = Log("gone");
        gone.Record(ActivityLog.SystemSubject("erp"), "500");
        await gone.FlushAsync(CancellationToken.None); // then the instance stopped
        _clock.Advance(TimeSpan.FromMinutes(90));

        var erp = (await Log("reader").ReadAsync(CancellationToken.None))[ActivityLog.SystemSubject("erp")];

        Assert.Empty(erp.Counts);
        Assert.Equal("500", erp.LastFailure); // the last failure stays known, with its time
    }

    [Fact]
    public async Task FlushAsync_NothingChanged_WritesNothingAgain()
    {
        using var log = Log("a");
        log.Record(ActivityLog.SystemSubject("erp"), ActivityLog.Ok);
        await log.FlushAsync(CancellationToken.None);
        var table = new TableClient(azurite.ConnectionString, ActivityLog.TableName);
        var first = (await table.GetEntityAsync<TableEntity>(ActivityLog.Partition, TableKeys.Escape("system:erp|a"))).Value.ETag;

        _clock.Advance(TimeSpan.FromSeconds(30));
        await log.FlushAsync(CancellationToken.None);

        Assert.Equal(first, (await table.GetEntityAsync<TableEntity>(ActivityLog.Partition, TableKeys.Escape("system:erp|a"))).Value.ETag);
    }
}
