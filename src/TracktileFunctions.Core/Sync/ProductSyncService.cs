using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
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
/// The product batch: streams the products Tracktile changed since the watermark and hands each one off to the
/// <c>tracktile-products</c> queue (where <see cref="ErpProductConsumer"/> upserts it, with per-product retries and
/// poison). The watermark lives in Table storage and only moves forward, and only after every product of the run is
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

    /// <summary>The kind on product messages.</summary>
    public const string ProductChangedKind = "product.changed";

    private const string Scope = "product-sync";
    private const string WatermarkKey = "watermark";
    private const int MaxSaveAttempts = 10;

    private readonly ProductSyncOptions _options = options.Value;
    private readonly TracktileProductsOptions _products = tracktileOptions.Value.Products;
    private readonly List<string> _handOffQueues = options.Value.HandOffQueues;

    /// <summary>The stored watermark, or null before the first successful run.</summary>
    public async Task<DateTimeOffset?> GetWatermarkAsync(CancellationToken cancellationToken)
        => (await state.GetAsync(Scope, WatermarkKey, cancellationToken).ConfigureAwait(false))?.AppliedEventTime;

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
        long seen = 0, handedOff = 0;
        try
        {
            await Parallel.ForEachAsync(
                tracktile.GetProductsModifiedSinceAsync(from, cancellationToken),
                new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentHandOffs, CancellationToken = cancellationToken },
                async (product, ct) =>
                {
                    Interlocked.Increment(ref seen);
                    await HandOffAsync(product, startedAt, full, ct).ConfigureAwait(false);
                    Interlocked.Increment(ref handedOff);
                }).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var failed = new ProductSyncResult(trigger, from, startedAt, seen, handedOff, seen - handedOff, stored, Succeeded: false, stopwatch.Elapsed);
            LogSummary(ex, failed.Trigger, "failed", failed.Seen, failed.HandedOff, failed.Failed, (long)failed.Duration.TotalMilliseconds, failed.Watermark);
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

        var result = new ProductSyncResult(trigger, from, startedAt, seen, handedOff, 0, watermark, Succeeded: true, stopwatch.Elapsed);
        LogSummary(null, result.Trigger, "succeeded", result.Seen, result.HandedOff, result.Failed, (long)result.Duration.TotalMilliseconds, result.Watermark);
        await RecordRunAsync(result, null).ConfigureAwait(false);
        return result;
    }

    private Task<bool> HandOffAsync(JsonElement product, DateTimeOffset startedAt, bool full, CancellationToken cancellationToken)
    {
        var id = product.ValueKind == JsonValueKind.Object && product.TryGetProperty(_products.IdProperty, out var i) ? i.ToString() : null;
        DateTimeOffset? modifiedAt = product.ValueKind == JsonValueKind.Object
            && product.TryGetProperty(_products.ModifiedAtProperty, out var m) && m.TryGetDateTimeOffset(out var parsed) ? parsed : null;
        var payload = JsonSerializer.SerializeToUtf8Bytes(product);

        // One event id per product version: the ledger then skips a version an overlapping run handed off again. A
        // product without a readable modifiedAt gets one per run, so a later change is never taken for a repeat.
        var version = modifiedAt?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)
            ?? $"{Convert.ToHexStringLower(SHA256.HashData(payload))[..16]}-{startedAt.UtcTicks}";
        // A forced resync gets its own event id per run, so the ledger lets it write a version that was written before.
        var eventId = $"{id ?? "no-id"}@{version}" + (full ? $"@full-{startedAt.UtcTicks}" : "");
        var envelope = new EventEnvelope(eventId, ProductChangedKind, modifiedAt);
        return publisher.PublishAsync(_handOffQueues, Source, envelope, startedAt, payload, cancellationToken);
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
            var entity = new TableEntity("products", (DateTimeOffset.MaxValue.Ticks - result.StartedAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8])
            {
                ["Trigger"] = result.Trigger,
                ["Since"] = result.Since,
                ["StartedAt"] = result.StartedAt,
                ["DurationMs"] = (long)result.Duration.TotalMilliseconds,
                ["Seen"] = result.Seen,
                ["HandedOff"] = result.HandedOff,
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

    [LoggerMessage(LogLevel.Information, "Product sync ({Trigger}) {Status}: seen {Seen}, handed off {HandedOff}, failed {Failed}, {DurationMs} ms, watermark {Watermark}")]
    private partial void LogSummary(Exception? exception, string trigger, string status, long seen, long handedOff, long failed, long durationMs, DateTimeOffset? watermark);

    [LoggerMessage(LogLevel.Warning, "Could not record the product sync run in the history table")]
    private partial void LogHistoryFailed(Exception exception);
}

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
    TimeSpan Duration);
