using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using TracktileFunctions.Storage;

namespace TracktileFunctions.IntegrationTests.Processing;

/// <summary>The de-duplication ledger's claims, on real Table storage.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProcessedEventStoreTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2024, 1, 15, 10, 0, 0, TimeSpan.Zero));
    private ProcessedEventStore _ledger = null!;

    public async Task InitializeAsync()
    {
        await azurite.ResetAsync();
        _ledger = new ProcessedEventStore(new LazyTable(new TableClient(azurite.ConnectionString, ProcessedEventStore.TableName)), _time);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TryClaimAsync_FirstDelivery_Claims()
        => Assert.Equal(LedgerClaim.Claimed, (await _ledger.TryClaimAsync("c", "evt/1?#", "k", "msg-1", CancellationToken.None)).State);

    [Fact]
    public async Task TryClaimAsync_OtherMessageWhileClaimed_InProgress()
    {
        await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-1", CancellationToken.None);

        Assert.Equal(LedgerClaim.InProgress, (await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-2", CancellationToken.None)).State);
    }

    [Fact]
    public async Task TryClaimAsync_SameMessageAfterCrashedAttempt_TakesItsClaimOver()
    {
        // Attempt 1 claimed and died without releasing; the queue hands the same message out again.
        await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-1", CancellationToken.None, attempt: 1);

        Assert.Equal(LedgerClaim.Claimed, (await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-1", CancellationToken.None, attempt: 2)).State);
    }

    [Fact]
    public async Task TryClaimAsync_TwoLiveCopiesOfTheSameAttempt_OnlyOneClaims()
    {
        // A delayed retry sent twice (the send's answer was lost and the SDK sent it again): same message, same attempt.
        var first = await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-1", CancellationToken.None, attempt: 3);

        Assert.Equal(LedgerClaim.Claimed, first.State);
        Assert.Equal(LedgerClaim.InProgress, (await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-1", CancellationToken.None, attempt: 3)).State);
    }

    [Fact]
    public async Task TryClaimAsync_InsertAppliedButAnswerLost_ClaimsItsOwnRowOnTheRetry()
    {
        // The insert reaches the table; its answer does not, so the client sends it again and gets 409 for its own row.
        var lossy = Lossy("POST", out var lost);

        var claim = await lossy.TryClaimAsync("c", "evt_1", "k", "msg-1", CancellationToken.None);

        Assert.Equal((1, LedgerClaim.Claimed), (lost.Count, claim.State));
        await _ledger.ReleaseAsync("c", "evt_1", claim.Claim, CancellationToken.None); // the ETag is the row's: only the holder can release
        Assert.Equal(LedgerClaim.Claimed, (await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-2", CancellationToken.None)).State);
    }

    [Fact]
    public async Task TryClaimAsync_TakeOverAppliedButAnswerLost_ClaimsItsOwnRowOnTheRetry()
    {
        await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-1", CancellationToken.None);
        _time.Advance(ProcessedEventStore.Lease + TimeSpan.FromSeconds(1));
        var lossy = Lossy("PUT", out var lost);

        var claim = await lossy.TryClaimAsync("c", "evt_1", "k", "msg-2", CancellationToken.None);

        Assert.Equal((1, LedgerClaim.Claimed), (lost.Count, claim.State));
        Assert.Equal(LedgerClaim.InProgress, (await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-3", CancellationToken.None)).State);
    }

    /// <summary>A ledger whose client loses the answer of its first <paramref name="method"/> once, after the table applied it.</summary>
    private ProcessedEventStore Lossy(string method, out LostAnswerPolicy lost)
    {
        var options = new TableClientOptions();
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        lost = new LostAnswerPolicy(method);
        options.AddPolicy(lost, Azure.Core.HttpPipelinePosition.PerRetry);
        return new ProcessedEventStore(new LazyTable(new TableClient(azurite.ConnectionString, ProcessedEventStore.TableName, options)), _time);
    }

    /// <summary>Lets the first request of a method through, then fails as if its answer never came; the client's retry policy sends it again.</summary>
    private sealed class LostAnswerPolicy(string method) : Azure.Core.Pipeline.HttpPipelinePolicy
    {
        private int _count;

        public int Count => _count;

        public override void Process(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
            => throw new NotSupportedException("the ledger is asynchronous");

        public override async ValueTask ProcessAsync(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            if (message.Request.Method.Method == method && Interlocked.CompareExchange(ref _count, 1, 0) == 0)
            {
                throw new IOException("The answer was lost on the way back.");
            }
        }
    }

    [Fact]
    public async Task TryClaimAsync_OtherMessageAfterLeaseExpired_Claims()
    {
        await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-1", CancellationToken.None);
        _time.Advance(ProcessedEventStore.Lease + TimeSpan.FromSeconds(1));

        Assert.Equal(LedgerClaim.Claimed, (await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-2", CancellationToken.None)).State);
    }

    [Fact]
    public async Task TryClaimAsync_AfterComplete_AlreadyProcessedForAnyMessageForever()
    {
        await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-1", CancellationToken.None);
        await _ledger.CompleteAsync("c", "evt_1", "k", "done", CancellationToken.None);
        _time.Advance(TimeSpan.FromDays(30));

        Assert.Equal(LedgerClaim.AlreadyProcessed, (await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-1", CancellationToken.None)).State);
        Assert.Equal(LedgerClaim.AlreadyProcessed, (await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-9", CancellationToken.None)).State);
    }

    [Fact]
    public async Task ReleaseAsync_AfterFailure_NextDeliveryClaims()
    {
        var (_, claim) = await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-1", CancellationToken.None);
        await _ledger.ReleaseAsync("c", "evt_1", claim, CancellationToken.None);

        Assert.Equal(LedgerClaim.Claimed, (await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-2", CancellationToken.None)).State);
    }

    [Fact]
    public async Task ReleaseAsync_ClaimTakenOverSince_LeavesTheNewHoldersClaim()
    {
        // The first holder's lease ran out, a duplicate claimed the event, and then the first holder failed.
        var (_, first) = await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-1", CancellationToken.None);
        _time.Advance(ProcessedEventStore.Lease + TimeSpan.FromSeconds(1));
        var (state, _) = await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-2", CancellationToken.None);

        await _ledger.ReleaseAsync("c", "evt_1", first, CancellationToken.None);

        Assert.Equal(LedgerClaim.Claimed, state);
        Assert.Equal(LedgerClaim.InProgress, (await _ledger.TryClaimAsync("c", "evt_1", "k", "msg-3", CancellationToken.None)).State);
    }

    [Fact]
    public async Task TryClaimAsync_OtherConsumer_IsIndependent()
    {
        await _ledger.TryClaimAsync("erp-orders", "evt_1", "k", "msg-1", CancellationToken.None);
        await _ledger.CompleteAsync("erp-orders", "evt_1", "k", "done", CancellationToken.None);

        Assert.Equal(LedgerClaim.Claimed, (await _ledger.TryClaimAsync("accounting-orders", "evt_1", "k", "msg-1", CancellationToken.None)).State);
    }
}
