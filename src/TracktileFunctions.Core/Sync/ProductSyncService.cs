using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Storage;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Sync;

/// <summary>
/// The product batch: streams the products Tracktile changed since the watermark and hands them off a page per message
/// (<see cref="ProductSyncOptions.PageSize"/>) to the <c>tracktile-products</c> queue, where <see cref="ErpProductConsumer"/>
/// writes each page to the ERP (with per-product retries and poison), and to the queues of the systems that index
/// products. The watermark lives in Table storage and only moves forward, and only after every product of the run is
/// durably queued: a failed or killed run leaves it where it was and the next run repeats the work.
/// </summary>
public sealed partial class ProductSyncService(
    TracktileClient tracktile,
    EventPublisher publisher,
    SyncStateStore state,
    LazyTable runs,
    IOptions<ProductSyncOptions> options,
    IOptions<TracktileClientOptions> tracktileOptions,
    TimeProvider timeProvider,
    ILogger<ProductSyncService> logger)
{
    /// <summary>The table holding the run history.</summary>
    public const string RunsTableName = "syncruns";

    /// <summary>The source name on product messages.</summary>
    public const string Source = "tracktile-sync";

    private const string Scope = "product-sync";
    private const string WatermarkKey = "watermark";
    private const int MaxSaveAttempts = 10;

    private readonly ProductSyncOptions _options = options.Value;
    private readonly TracktileProductsOptions _products = tracktileOptions.Value.Products;
    private readonly List<string> _handOffQueues = options.Value.HandOffQueues;

    /// <summary>The stored watermark, or null before the first successful run.</summary>
    public async Task<DateTimeOffset?> GetWatermarkAsync(CancellationToken cancellationToken)
        => (await state.GetAsync(Scope, WatermarkKey, cancellationToken).ConfigureAwait(false))?.AppliedEventTime;

    /// <summary>The latest <paramref name="max"/> runs, newest first (row keys count down, so a partition's first rows are its newest).</summary>
    public async Task<IReadOnlyList<ProductSyncRun>> RecentRunsAsync(int max, CancellationToken cancellationToken)
    {
        var found = new List<ProductSyncRun>(max);
        try
        {
            await foreach (var row in runs.Client.QueryAsync<TableEntity>(e => e.PartitionKey == RunsPartition, maxPerPage: max, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                found.Add(new ProductSyncRun(
                    row.GetDateTimeOffset("StartedAt"), row.GetInt64("DurationMs"), row.GetString("Trigger"), row.GetString("Status"),
                    row.GetInt64("Seen"), row.GetInt64("HandedOff"), row.GetInt64("Pages"), row.GetInt64("Failed"), row.GetString("Error")));
                if (found.Count == max)
                {
                    break;
                }
            }
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            // no run yet: the table does not exist
        }

        return found;
    }

    private const string RunsPartition = "products";

    /// <summary>Runs one sync.</summary>
    /// <param name="since">A backfill start; null continues from the watermark.</param>
    /// <param name="trigger">What started it (<c>schedule</c>, <c>manual</c>), for the history and the logs.</param>
    /// <param name="cancellationToken">Cancellation: the run stops and the watermark stays.</param>
    public Task<ProductSyncResult> RunAsync(DateTimeOffset? since, string trigger, CancellationToken cancellationToken)
        => RunCoreAsync(since, full: false, trigger, cancellationToken);

    /// <summary>
    /// A forced full resync: reads every product and writes each one to the ERP once in this run, whatever sync state
    /// says the ERP already has (to repair an ERP that lost data). An older version still never overwrites a newer one.
    /// </summary>
    public Task<ProductSyncResult> RunFullAsync(string trigger, CancellationToken cancellationToken)
        => RunCoreAsync(null, full: true, trigger, cancellationToken);

    private async Task<ProductSyncResult> RunCoreAsync(DateTimeOffset? since, bool full, string trigger, CancellationToken cancellationToken)
    {
        var startedAt = timeProvider.GetUtcNow(); // before the first request: anything changed after it is the next run's
        var stopwatch = Stopwatch.StartNew();
        var stored = await GetWatermarkAsync(cancellationToken).ConfigureAwait(false);
        var from = full ? null : since ?? stored ?? _options.InitialSince;
        var counts = new HandOffCounts();
        try
        {
            await Parallel.ForEachAsync(
                PagesAsync(tracktile.GetProductsModifiedSinceAsync(from, cancellationToken), startedAt, full, counts, cancellationToken),
                new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentHandOffs, CancellationToken = cancellationToken },
                async (page, ct) =>
                {
                    await publisher.PublishAsync(_handOffQueues, Source, new EventEnvelope(page.Id, ProductPage.Kind, null), startedAt, page.Payload, ct).ConfigureAwait(false);
                    Interlocked.Add(ref counts.HandedOff, page.Count);
                    Interlocked.Increment(ref counts.Pages);
                }).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var seen = Interlocked.Read(ref counts.Seen);
            var handedOff = Interlocked.Read(ref counts.HandedOff);
            var failed = new ProductSyncResult(trigger, from, startedAt, seen, handedOff, seen - handedOff, stored, Succeeded: false, stopwatch.Elapsed) { Pages = counts.Pages };
            LogSummary(ex, failed.Trigger, "failed", failed.Seen, failed.HandedOff, failed.Pages, failed.Failed, (long)failed.Duration.TotalMilliseconds, failed.Watermark);
            await RecordRunAsync(failed, ex.Message).ConfigureAwait(false);
            throw;
        }

        // A run covers [from, startedAt]: it may move the watermark only if it reached back at least as far as the
        // watermark (or, before the first run, as far as a first run would), so a recent backfill skips nothing.
        var watermark = stored;
        var required = stored ?? _options.InitialSince;
        if (full || since is null || (required is { } r && since <= r))
        {
            watermark = await AdvanceAsync(startedAt - TimeSpan.FromSeconds(_options.OverlapSeconds), trigger, cancellationToken).ConfigureAwait(false);
        }

        var result = new ProductSyncResult(trigger, from, startedAt, counts.Seen, counts.HandedOff, 0, watermark, Succeeded: true, stopwatch.Elapsed) { Pages = counts.Pages };
        LogSummary(null, result.Trigger, "succeeded", result.Seen, result.HandedOff, result.Pages, result.Failed, (long)result.Duration.TotalMilliseconds, result.Watermark);
        await RecordRunAsync(result, null).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Groups the streamed products into pages of <see cref="ProductSyncOptions.PageSize"/>, or fewer where more would
    /// not fit one queue message (a product too large for one on its own is a page of one, claim-checked). A page holds
    /// the products of one sync-state shard (<see cref="SyncStateStore.ShardOf"/>), so its targets read and write its
    /// state in one small partition: at most one open page per shard waits to be filled.
    /// </summary>
    private async IAsyncEnumerable<HandOffPage> PagesAsync(
        IAsyncEnumerable<JsonElement> products, DateTimeOffset startedAt, bool full, HandOffCounts counts,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var open = new Dictionary<int, (List<(string EventId, ReadOnlyMemory<byte> Json)> Products, int Bytes)>();
        var number = 0;
        await foreach (var product in products.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            Interlocked.Increment(ref counts.Seen);
            var json = JsonSerializer.SerializeToUtf8Bytes(product);
            var id = product.ValueKind == JsonValueKind.Object && product.TryGetProperty(_products.IdProperty, out var i) ? i.ToString() : null;
            DateTimeOffset? modifiedAt = product.ValueKind == JsonValueKind.Object
                && product.TryGetProperty(_products.ModifiedAtProperty, out var m) && m.TryGetDateTimeOffset(out var parsed) ? parsed : null;
            var eventId = ProductPage.VersionId(id, modifiedAt, json, startedAt, full);
            var size = json.Length + eventId.Length + PerProductBytes;
            var shard = SyncStateStore.ShardOf(id ?? "");
            var (page, bytes) = open.TryGetValue(shard, out var o) ? o : ([], 0);
            if (page.Count > 0 && bytes + size > PageBudgetBytes)
            {
                yield return new HandOffPage(PageId(startedAt, ++number), ProductPage.Encode(page, full), page.Count);
                (page, bytes) = ([], 0);
            }

            page.Add((eventId, json));
            bytes += size;
            if (page.Count >= _options.PageSize)
            {
                yield return new HandOffPage(PageId(startedAt, ++number), ProductPage.Encode(page, full), page.Count);
                (page, bytes) = ([], 0);
            }

            open[shard] = (page, bytes);
        }

        foreach (var (_, (page, _)) in open.OrderBy(p => p.Key))
        {
            if (page.Count > 0)
            {
                yield return new HandOffPage(PageId(startedAt, ++number), ProductPage.Encode(page, full), page.Count);
            }
        }
    }

    private static string PageId(DateTimeOffset startedAt, int number)
        => $"products-{startedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfffffff'Z'", CultureInfo.InvariantCulture)}-{number:D6}";

    /// <summary>What a page may hold so that its message stays inline: the message's limit less its envelope and the room a retry needs.</summary>
    private const int PageBudgetBytes = EventMessageCodec.MaxMessageBytes - EventMessageCodec.RetryFieldsReserve - 1024;

    /// <summary>An entry's JSON around its event id and product: <c>{"eventId":"","product":},</c>.</summary>
    private const int PerProductBytes = 32;

    private sealed record HandOffPage(string Id, byte[] Payload, int Count);

    private sealed class HandOffCounts
    {
        public long Seen;
        public long HandedOff;
        public long Pages;
    }

    /// <summary>Moves the watermark forward to <paramref name="candidate"/>, never backwards, under concurrent runs.</summary>
    private async Task<DateTimeOffset> AdvanceAsync(DateTimeOffset candidate, string trigger, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxSaveAttempts; attempt++)
        {
            var current = await state.GetAsync(Scope, WatermarkKey, cancellationToken).ConfigureAwait(false);
            if (current?.AppliedEventTime is { } existing && existing >= candidate)
            {
                return existing; // a run that started later already moved it further
            }

            var next = new SyncRecord(Scope, WatermarkKey)
            {
                AppliedEventTime = candidate,
                AppliedEventId = trigger,
                ETag = current?.ETag ?? default,
            };
            if (await state.TrySaveAsync(next, cancellationToken).ConfigureAwait(false))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"the product watermark kept changing under {MaxSaveAttempts} saves");
    }

    private async Task RecordRunAsync(ProductSyncResult result, string? error)
    {
        try
        {
            var entity = new TableEntity(RunsPartition, (DateTimeOffset.MaxValue.Ticks - result.StartedAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8])
            {
                ["Trigger"] = result.Trigger,
                ["Since"] = result.Since,
                ["StartedAt"] = result.StartedAt,
                ["DurationMs"] = (long)result.Duration.TotalMilliseconds,
                ["Seen"] = result.Seen,
                ["HandedOff"] = result.HandedOff,
                ["Pages"] = result.Pages,
                ["Failed"] = result.Failed,
                ["Watermark"] = result.Watermark,
                ["Status"] = result.Succeeded ? "succeeded" : "failed",
                ["Error"] = error is { Length: > 1000 } ? error[..1000] : error,
            };
            await runs.RunAsync(t => t.AddEntityAsync(entity, CancellationToken.None), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or AggregateException)
        {
            LogHistoryFailed(ex);
        }
    }

    [LoggerMessage(LogLevel.Information, "Product sync ({Trigger}) {Status}: seen {Seen}, handed off {HandedOff} in {Pages} page(s), failed {Failed}, {DurationMs} ms, watermark {Watermark}")]
    private partial void LogSummary(Exception? exception, string trigger, string status, long seen, long handedOff, long pages, long failed, long durationMs, DateTimeOffset? watermark);

    [LoggerMessage(LogLevel.Warning, "Could not record the product sync run in the history table")]
    private partial void LogHistoryFailed(Exception exception);
}

/// <summary>A run as the history table keeps it.</summary>
public sealed record ProductSyncRun(
    DateTimeOffset? StartedAt, long? DurationMs, string? Trigger, string? Status, long? Seen, long? HandedOff, long? Pages, long? Failed, string? Error);

/// <summary>One run's summary.</summary>
public sealed record ProductSyncResult(
    string Trigger,
    DateTimeOffset? Since,
    DateTimeOffset StartedAt,
    long Seen,
    long HandedOff,
    long Failed,
    DateTimeOffset? Watermark,
    bool Succeeded,
    TimeSpan Duration)
{
    /// <summary>How many pages (queue messages) the products were handed off in.</summary>
    public long Pages { get; init; }
}
