using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using TracktileFunctions.Storage;

namespace TracktileFunctions.IntegrationTests.Processing;

/// <summary>Many records of one scope locked, read and saved together (a page of products), on real Table storage.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SyncStateStorePageTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Scope = "erp-product";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2024, 1, 15, 10, 0, 0, TimeSpan.Zero));
    private SyncStateStore _state = null!;

    public async Task InitializeAsync()
    {
        await azurite.ResetAsync();
        _state = new SyncStateStore(new LazyTable(new TableClient(azurite.ConnectionString, SyncStateStore.TableName)), _time);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static List<string> Keys(int count) => [.. Enumerable.Range(0, count).Select(i => $"prod/{i:D3}?#")]; // characters a key must escape

    [Fact]
    public async Task LockManyAsync_150NewAndExistingKeys_LocksEveryOneAndSaveManyReleasesThem()
    {
        await _state.TrySaveAsync(new SyncRecord(Scope, "prod/007?#") { TargetId = "ITEM-7" }, CancellationToken.None);
        var keys = Keys(150);

        var (locked, busy) = await _state.LockManyAsync(Scope, keys, "page-1", CancellationToken.None);

        Assert.Empty(busy);
        Assert.Equal(150, locked.Count);
        Assert.Equal("ITEM-7", locked["prod/007?#"].TargetId);
        foreach (var record in locked.Values)
        {
            record.TargetId ??= "new";
        }

        Assert.Empty(await _state.SaveManyAsync(locked.Values));
        var stored = await _state.GetManyAsync(Scope, keys, CancellationToken.None);
        Assert.Equal(150, stored.Count);
        Assert.All(stored.Values, r => Assert.Null(r.LockedBy));
        Assert.Equal("ITEM-7", stored["prod/007?#"].TargetId);
    }

    [Fact]
    public async Task LockManyAsync_OneKeyLockedByAnotherPage_OnlyThatOneBusyUntilItsLeaseRunsOut()
    {
        var keys = Keys(5);
        await _state.LockManyAsync(Scope, [keys[2]], "page-other", CancellationToken.None);

        var (locked, busy) = await _state.LockManyAsync(Scope, keys, "page-1", CancellationToken.None);
        Assert.Equal([keys[2]], busy);
        Assert.Equal(4, locked.Count);
        await _state.SaveManyAsync(locked.Values);

        _time.Advance(SyncStateStore.LockLease + TimeSpan.FromSeconds(1)); // its holder died
        var (again, stillBusy) = await _state.LockManyAsync(Scope, keys, "page-1", CancellationToken.None);
        Assert.Empty(stillBusy);
        Assert.Equal(5, again.Count);
    }

    [Fact]
    public async Task LockManyAsync_SameHolderAgain_TakesItsOwnLocksBack()
    {
        var keys = Keys(3);
        await _state.LockManyAsync(Scope, keys, "page-1", CancellationToken.None); // the attempt died holding them

        var (locked, busy) = await _state.LockManyAsync(Scope, keys, "page-1", CancellationToken.None);

        Assert.Empty(busy);
        Assert.Equal(3, locked.Count);
    }

    [Fact]
    public async Task SaveManyAsync_LockTakenOverMeanwhile_ReportsThatKeyAndSavesTheRest()
    {
        var keys = Keys(4);
        var (locked, _) = await _state.LockManyAsync(Scope, keys, "page-1", CancellationToken.None);
        _time.Advance(SyncStateStore.LockLease + TimeSpan.FromSeconds(1)); // page-1 outlived its lease
        await _state.LockManyAsync(Scope, [keys[1]], "page-2", CancellationToken.None);
        foreach (var record in locked.Values)
        {
            record.TargetId = "from-page-1";
        }

        var lost = await _state.SaveManyAsync(locked.Values);

        Assert.Equal([keys[1]], lost);
        var stored = await _state.GetManyAsync(Scope, keys, CancellationToken.None);
        Assert.Equal("page-2", stored[keys[1]].LockedBy);
        Assert.Null(stored[keys[1]].TargetId);
        Assert.All(keys.Where(k => k != keys[1]), k => Assert.Equal("from-page-1", stored[k].TargetId));
    }
}
