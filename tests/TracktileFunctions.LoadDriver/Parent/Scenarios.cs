using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.LoadDriver.Child;
using TracktileFunctions.LoadDriver.Proxy;
using TracktileFunctions.LoadDriver.Report;

namespace TracktileFunctions.LoadDriver.Parent;

/// <summary>
/// The two measured scenarios at one size, each with a fresh sandbox (and, for the app, a fresh Azurite and proxy)
/// here in the driver, and the measured code in a child process of its own.
/// </summary>
internal static class Scenarios
{
    internal const string TracktileToken = "api-sandbox-token"; // SandboxOptions.TracktileToken's default

    /// <summary>A <c>modifiedSince</c> before every seeded product.</summary>
    internal static readonly string SinceAll = SandboxRun.FirstModifiedAt.AddMinutes(-1).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    internal static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ResultTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(1);

    public static async Task<SeedOutcome> RunSeedAsync(RunPlan plan, int size, CancellationToken cancellationToken)
    {
        var products = Math.Min(size, plan.SeedMax ?? size);
        Console.Error.WriteLine($"[{size:N0}] seed loop: {products:N0} of {size:N0} products, sequential ...");
        try
        {
            await using var sandbox = await SandboxRun.StartAsync(size, plan.Latency, plan.Pagination).ConfigureAwait(false);
            List<string> arguments =
            [
                ChildEntry.SeedMode,
                "--tracktile", sandbox.Tracktile.ToString(),
                "--erp", sandbox.Erp.ToString(),
                "--token", TracktileToken,
                "--max", products.ToString(CultureInfo.InvariantCulture),
                "--since", SinceAll,
                .. SettingArguments(plan),
            ];
            await using var child = ChildProcess.Start($"seed {size:N0}", arguments, plan.ChildEnvironment);
            await child.WaitForAsync(Protocol.Ready, ReadyTimeout, cancellationToken).ConfigureAwait(false);
            child.Send(Protocol.Go);
            var started = await child.WaitForAsync(Protocol.Started, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            var startTicks = Ticks(started);
            var cpuAtStart = child.CpuSeconds;

            var stall = new StallWatch(plan.Stall);
            var deadline = Stopwatch.StartNew();
            var timeout = plan.TimeoutFor(products);
            while (child.TryGet(Protocol.Done) is null)
            {
                var progress = sandbox.Check(0);
                var pagesRead = sandbox.State.CallsTo("GET", "/tracktile/products").Count;
                stall.Observe(progress.Upserts + pagesRead, () => $"no page read and no ERP write for {plan.Stall.TotalSeconds:0} s ({pagesRead:N0} pages, {progress.Count:N0} of {products:N0} products)");
                if (deadline.Elapsed > timeout)
                {
                    throw new ScenarioFailedException($"not done within {timeout.TotalSeconds:0} s (--timeout-s): the ERP holds {progress.Count:N0} of {products:N0}");
                }

                await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
            }

            var cpu = child.CpuSeconds - cpuAtStart;
            var check = sandbox.Check(products);
            if (check.Count != products || check.AtVersion != products || check.LastWrite is not { } lastWrite)
            {
                throw new ScenarioFailedException($"the loop ended with {check.Count:N0} products in the ERP, {check.AtVersion:N0} of the first {products:N0} at their version");
            }

            var seconds = TimeSpan.FromTicks(lastWrite.UtcTicks - startTicks).TotalSeconds;
            var result = await StopAsync(child, cancellationToken).ConfigureAwait(false);
            var outcome = new SeedOutcome
            {
                Size = size,
                Products = products,
                Seconds = seconds,
                ProductsPerSecond = products / seconds,
                TracktilePages = sandbox.State.CallsTo("GET", "/tracktile/products").Count,
                ErpPutCalls = sandbox.State.CallsTo("PUT", "/erp/products").Count,
                ChildCpuSeconds = cpu,
                Memory = MemoryFigures.From(result),
            };
            Console.Error.WriteLine($"[{size:N0}] seed loop: {products:N0} products in {seconds:0.0} s = {outcome.ProductsPerSecond:0.0} products/s");
            return outcome;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
        {
            Console.Error.WriteLine($"[{size:N0}] seed loop FAILED: {ex.Message}");
            return new SeedOutcome { Size = size, Error = ex.Message };
        }
    }

    public static Task<AppOutcome> RunAppAsync(RunPlan plan, int size, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"[{size:N0}] app: product batch + {string.Join(", ", plan.Functions)} under the queue extension ...");
        return WithStorageAsync(
            plan, (azurite, proxy) => RunAppCoreAsync(plan, size, azurite, proxy, cancellationToken),
            error =>
            {
                Console.Error.WriteLine($"[{size:N0}] app FAILED: {error}");
                return new AppOutcome { Size = size, Error = error };
            },
            cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a fresh Azurite (in memory, killed with the driver however it ends) and, unless
    /// <c>--no-proxy</c>, the counting proxy in front of it; a failure (not a cancellation) becomes <paramref name="failed"/>'s outcome.
    /// </summary>
    internal static async Task<T> WithStorageAsync<T>(
        RunPlan plan, Func<AzuriteFixture, CountingStorageProxy?, Task<T>> body, Func<string, T> failed, CancellationToken cancellationToken)
    {
        var azurite = new AzuriteFixture();
        var azuriteCleanup = Cleanup.Register(azurite.Dispose);
        try
        {
            await azurite.InitializeAsync().ConfigureAwait(false);
            using var watchdog = Watchdog.ForChildren("node"); // Azurite dies with the driver, however the driver ends
            var proxy = plan.NoProxy
                ? null
                : await CountingStorageProxy.StartAsync(AzuriteFixture.AccountName, AzuriteFixture.AccountKey, azurite.BlobPort, azurite.QueuePort, azurite.TablePort, cancellationToken).ConfigureAwait(false);
            try
            {
                return await body(azurite, proxy).ConfigureAwait(false);
            }
            finally
            {
                if (proxy is not null)
                {
                    await proxy.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
        {
            return failed(ex.Message);
        }
        finally
        {
            azuriteCleanup.Dispose();
            await azurite.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The command line of a <c>child-app</c> against this run's storage and sandbox, with the plan's settings and <paramref name="functions"/>.</summary>
    internal static List<string> AppArguments(RunPlan plan, string storage, SandboxRun sandbox, IEnumerable<string> functions) =>
    [
        ChildEntry.AppMode,
        "--storage", storage,
        "--tracktile", sandbox.Tracktile.ToString(),
        "--erp", sandbox.Erp.ToString(),
        "--token", TracktileToken,
        "--log-level", plan.LogLevel,
        .. functions.SelectMany(f => new[] { "--function", f }),
        .. SettingArguments(plan),
    ];

    internal static IEnumerable<string> SettingArguments(RunPlan plan) => plan.Settings.SelectMany(s => new[] { "--set", $"{s.Key}={s.Value}" });

    private static async Task<AppOutcome> RunAppCoreAsync(RunPlan plan, int size, AzuriteFixture azurite, CountingStorageProxy? proxy, CancellationToken cancellationToken)
    {
        await using var sandbox = await SandboxRun.StartAsync(size, plan.Latency, plan.Pagination).ConfigureAwait(false);
        var arguments = AppArguments(plan, proxy?.ConnectionString ?? azurite.ConnectionString, sandbox, plan.Functions);
        var launchedTicks = DateTimeOffset.UtcNow.UtcTicks;
        await using var child = ChildProcess.Start($"app {size:N0}", arguments, plan.ChildEnvironment);
        var ready = await child.WaitForAsync(Protocol.Ready, ReadyTimeout, cancellationToken).ConfigureAwait(false);
        var functions = (ready["functions"]?.AsArray() ?? []).Select(f => (Name: f!["name"]!.GetValue<string>(), Queue: f["queue"]!.GetValue<string>())).ToList();
        var hosted = (ready["hostedServices"]?.AsArray() ?? []).Select(h => h!.GetValue<string>()).ToList();
        child.Send(Protocol.Go);
        var started = await child.WaitForAsync(Protocol.Started, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        var startTicks = Ticks(started);
        var (appCpu0, driverCpu0, azuriteCpu0) = (child.CpuSeconds, ProcessCpu.Self(), ProcessCpu.Children("node"));

        ErpProgress check;
        JsonObject batch;
        try
        {
            (check, batch) = await WaitUntilDoneAsync(plan, size, azurite, proxy, sandbox, child, functions.Select(f => f.Queue).ToList(), cancellationToken).ConfigureAwait(false);
        }
        catch (ScenarioFailedException ex)
        {
            var waiting = await NonEmptyQueuesAsync(azurite, cancellationToken).ConfigureAwait(false);
            var served = functions.Select(f => f.Queue).ToHashSet(StringComparer.Ordinal);
            var unserved = waiting.Keys.Where(q => !served.Contains(q) && !q.EndsWith("-poison", StringComparison.Ordinal)).ToList();
            throw new ScenarioFailedException(
                $"{ex.Message}; messages in queues: {Format(waiting)}" +
                (unserved.Count > 0 ? $" (no function of this run listens on {string.Join(", ", unserved)}: add it with --functions)" : ""));
        }

        var doneTicks = DateTimeOffset.UtcNow.UtcTicks;
        var (appCpu, driverCpu, azuriteCpu) = (child.CpuSeconds - appCpu0, ProcessCpu.Self() - driverCpu0, ProcessCpu.Children("node") - azuriteCpu0);
        var lastWriteTicks = check.LastWrite!.Value.UtcTicks;
        var poisoned = await CountsAsync(azurite, functions.Select(f => f.Queue + "-poison"), cancellationToken).ConfigureAwait(false);
        var left = await NonEmptyQueuesAsync(azurite, cancellationToken).ConfigureAwait(false);
        var putCalls = sandbox.State.CallsTo("PUT", "/erp/products").Count;
        var pages = sandbox.State.CallsTo("GET", "/tracktile/products").Count;

        var result = await StopAsync(child, cancellationToken).ConfigureAwait(false);

        List<StoragePhase>? storage = null;
        long? runOps = null, afterLastWrite = null;
        if (proxy is not null)
        {
            var log = proxy.Log;
            var run = log.Between(startTicks, doneTicks);
            storage =
            [
                StoragePhase.From("setup (child start to run start)", log.Between(0, startTicks)),
                StoragePhase.From("run (run start to drained)", run),
                StoragePhase.From("of which after the ERP's last write (draining, idle polling)", log.Between(lastWriteTicks, doneTicks)),
                StoragePhase.From("shutdown (after drained)", log.Between(doneTicks, long.MaxValue)),
            ];
            runOps = run.Count;
            afterLastWrite = storage[2].Total;
        }

        var seconds = TimeSpan.FromTicks(lastWriteTicks - startTicks).TotalSeconds;
        var outcome = new AppOutcome
        {
            Size = size,
            Functions = [.. functions.Select(f => $"{f.Name} (queue {f.Queue})")],
            HostedServices = hosted,
            SetupSeconds = TimeSpan.FromTicks(Ticks(ready) - launchedTicks).TotalSeconds,
            Seconds = seconds,
            ProductsPerSecond = size / seconds,
            BatchSeconds = TimeSpan.FromTicks(Ticks(batch) - startTicks).TotalSeconds,
            BatchResult = batch["result"]?.DeepClone(),
            DrainedSeconds = TimeSpan.FromTicks(doneTicks - startTicks).TotalSeconds,
            ErpProducts = check.Count,
            ErpUpserts = check.Upserts,
            ErpPutCalls = putCalls,
            TracktilePages = pages,
            PoisonMessages = poisoned,
            LeftInQueues = left,
            AppCpuSeconds = appCpu,
            DriverCpuSeconds = driverCpu,
            AzuriteCpuSeconds = azuriteCpu,
            Memory = MemoryFigures.From(result),
            Storage = storage,
            RunOperations = runOps,
            RunOperationsAfterLastWrite = afterLastWrite,
        };
        Console.Error.WriteLine($"[{size:N0}] app: {size:N0} products in {seconds:0.0} s = {outcome.ProductsPerSecond:0.0} products/s" +
                                (runOps is { } ops ? $", {ops:N0} storage operations ({ops / (double)size:0.00} per product)" : ""));
        return outcome;
    }

    /// <summary>
    /// Waits until the run is over: the batch returned, the ERP holds every product at its version, and every queue a
    /// function of this run listens on stayed empty (no message visible, in flight or waiting for a retry) for the
    /// grace period. Fails on a stall, the time-out, or the child's error.
    /// </summary>
    private static async Task<(ErpProgress Check, JsonObject Batch)> WaitUntilDoneAsync(
        RunPlan plan, int size, AzuriteFixture azurite, CountingStorageProxy? proxy, SandboxRun sandbox, ChildProcess child,
        IReadOnlyList<string> queues, CancellationToken cancellationToken)
    {
        var stall = new StallWatch(plan.Stall);
        var deadline = Stopwatch.StartNew();
        var timeout = plan.TimeoutFor(size);
        JsonObject? batch = null;
        long? drainedSince = null;
        while (true)
        {
            batch ??= child.TryGet(Protocol.BatchReturned);
            var check = sandbox.Check(size);
            var returned = batch is not null;
            stall.Observe(
                check.Upserts + (proxy?.Log.Progress ?? 0) + (returned ? 1 : 0),
                () => $"nothing moved for {plan.Stall.TotalSeconds:0} s (no ERP write, no queue or table write): {Describe(check, size, returned)}");
            if (batch is not null && check.AtVersion == size)
            {
                if (await DrainedAsync(azurite, queues, cancellationToken).ConfigureAwait(false))
                {
                    drainedSince ??= Stopwatch.GetTimestamp();
                    if (Stopwatch.GetElapsedTime(drainedSince.Value) >= DrainGrace)
                    {
                        return (check, batch);
                    }
                }
                else
                {
                    drainedSince = null;
                }
            }

            if (deadline.Elapsed > timeout)
            {
                var poison = await CountsAsync(azurite, queues.Select(q => q + "-poison"), cancellationToken).ConfigureAwait(false);
                throw new ScenarioFailedException(
                    $"not done within {timeout.TotalSeconds:0} s (--timeout-s): {Describe(check, size, returned)}; poison: {Format(poison)}");
            }

            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends <c>stop</c>, waits for the child's <c>result</c> (its memory), then for it to exit.</summary>
    internal static async Task<JsonObject> StopAsync(ChildProcess child, CancellationToken cancellationToken)
    {
        child.Send(Protocol.Stop);
        var result = await child.WaitForAsync(Protocol.Result, ResultTimeout, cancellationToken).ConfigureAwait(false);
        await child.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return result;
    }

    internal static long Ticks(JsonObject evt) => evt["utcTicks"]!.GetValue<long>();

    private static string Describe(ErpProgress check, int size, bool batchReturned)
        => $"the ERP holds {check.Count:N0} products, {check.AtVersion:N0} of {size:N0} checked at their version; the batch {(batchReturned ? "returned" : "has not returned")}";

    private static string Format(IReadOnlyDictionary<string, int> counts)
        => counts.Count == 0 || counts.Values.All(v => v == 0) ? "none" : string.Join(", ", counts.Where(c => c.Value > 0).Select(c => $"{c.Key} {c.Value:N0}"));

    /// <summary>Whether every queue is empty: no message visible, in flight or hidden for a retry (checked directly, not counted).</summary>
    private static async Task<bool> DrainedAsync(AzuriteFixture azurite, IEnumerable<string> queues, CancellationToken cancellationToken)
    {
        foreach (var queue in queues)
        {
            if (await azurite.MessageCountAsync(queue, cancellationToken).ConfigureAwait(false) > 0)
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<Dictionary<string, int>> CountsAsync(AzuriteFixture azurite, IEnumerable<string> queues, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var queue in queues)
        {
            counts[queue] = await azurite.MessageCountAsync(queue, cancellationToken).ConfigureAwait(false);
        }

        return counts;
    }

    /// <summary>Every queue of the account that still holds messages (one no function of this run listens on, for example).</summary>
    internal static async Task<Dictionary<string, int>> NonEmptyQueuesAsync(AzuriteFixture azurite, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var service = new QueueServiceClient(azurite.ConnectionString);
        await foreach (var queue in service.GetQueuesAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var count = (await service.GetQueueClient(queue.Name).GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount;
            if (count > 0)
            {
                counts[queue.Name] = count;
            }
        }

        return counts;
    }

    /// <summary>Fails a run in which a progress figure stayed the same for too long.</summary>
    private sealed class StallWatch(TimeSpan limit)
    {
        private long _last = long.MinValue;
        private long _since = Stopwatch.GetTimestamp();

        public void Observe(long progress, Func<string> describe)
        {
            if (progress != _last)
            {
                _last = progress;
                _since = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(_since) > limit)
            {
                throw new ScenarioFailedException(describe() + " (--stall-s)");
            }
        }
    }
}
