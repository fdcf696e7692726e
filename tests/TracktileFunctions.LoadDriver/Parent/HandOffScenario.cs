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
/// The hand-off at one size, in a fresh Azurite behind the counting proxy and a fresh sandbox at
/// <see cref="RunPlan.HandOffLatency"/> (0 by default: Tracktile's reads at full speed). First the batch alone: a
/// <c>child-app</c> with no queue function, one <c>RunAsync</c> from <c>go</c> to its return. The driver then reads
/// back the messages it enqueued (straight from Azurite, not counted) and empties the queues, and a
/// <c>child-enqueue</c> sends those very messages raw, as many at once as the batch does, to the same queues through
/// the same proxy; then it reads every product page alone. Each side runs <see cref="RunPlan.HandOffRounds"/> rounds in
/// its process, alternating (the queues emptied after each), and the figure is the median of the rounds after the
/// first: a Functions worker runs the hourly batch warm, and the first round of a fresh process is mostly the JIT's
/// (it is reported too).
/// </summary>
internal static class HandOffScenario
{
    private static readonly TimeSpan StartedTimeout = TimeSpan.FromSeconds(60);

    public static Task<HandOffOutcome> RunAsync(RunPlan plan, int size, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine(
            $"[{size:N0}] hand-off: the batch alone (no queue function; sandbox at {plan.HandOffLatency.TotalMilliseconds:0.#} ms), then raw enqueue of the same messages, {plan.HandOffConcurrency} at once ...");
        return Scenarios.WithStorageAsync(
            plan, (azurite, proxy) => RunCoreAsync(plan, size, azurite, proxy, cancellationToken),
            error =>
            {
                Console.Error.WriteLine($"[{size:N0}] hand-off FAILED: {error}");
                return new HandOffOutcome { Size = size, Error = error };
            },
            cancellationToken);
    }

    private static async Task<HandOffOutcome> RunCoreAsync(RunPlan plan, int size, AzuriteFixture azurite, CountingStorageProxy? proxy, CancellationToken cancellationToken)
    {
        var storage = proxy?.ConnectionString ?? azurite.ConnectionString;
        var rounds = plan.HandOffRounds.ToString(CultureInfo.InvariantCulture);
        await using var sandbox = await SandboxRun.StartAsync(size, plan.HandOffLatency, plan.Pagination).ConfigureAwait(false);

        // The batch alone and raw enqueue of the very messages it enqueued, alternating round by round, so a change in
        // the machine's load falls on both; the queues are emptied after each round.
        var file = Path.Combine(Path.GetTempPath(), $"loaddriver-handoff-{Guid.NewGuid():N}.txt");
        try
        {
            await using var app = ChildProcess.Start($"hand-off {size:N0}", [.. Scenarios.AppArguments(plan, storage, sandbox, []), "--rounds", rounds], plan.ChildEnvironment);
            await app.WaitForAsync(Protocol.Ready, Scenarios.ReadyTimeout, cancellationToken).ConfigureAwait(false);
            var batch = new List<Window> { await MeasureAsync(app, 1, Protocol.BatchReturned, plan.TimeoutFor(size), proxy, cancellationToken).ConfigureAwait(false) };
            var messages = await TakeAllAsync(azurite, batch[0], cancellationToken).ConfigureAwait(false);
            await File.WriteAllLinesAsync(file, messages.Select(m => $"{m.Queue}\t{m.Text}"), CancellationToken.None).ConfigureAwait(false);
            var pagesRead = sandbox.State.CallsTo("GET", "/tracktile/products").Count;

            List<string> arguments =
            [
                ChildEntry.EnqueueMode,
                "--storage", storage,
                "--messages", file,
                "--concurrency", plan.HandOffConcurrency.ToString(CultureInfo.InvariantCulture),
                "--rounds", rounds,
                "--tracktile", sandbox.Tracktile.ToString(),
                "--token", Scenarios.TracktileToken,
                "--since", Scenarios.SinceAll,
                .. Scenarios.SettingArguments(plan),
            ];
            await using var raw = ChildProcess.Start($"raw enqueue {size:N0}", arguments, plan.ChildEnvironment);
            await raw.WaitForAsync(Protocol.Ready, Scenarios.ReadyTimeout, cancellationToken).ConfigureAwait(false);
            var sent = new List<Window>();
            for (var round = 1; round <= plan.HandOffRounds; round++)
            {
                if (round > 1)
                {
                    batch.Add(await MeasureAsync(app, round, Protocol.BatchReturned, plan.TimeoutFor(size), proxy, cancellationToken).ConfigureAwait(false));
                    await TakeAllAsync(azurite, batch[^1], cancellationToken).ConfigureAwait(false);
                }

                sent.Add(await MeasureAsync(raw, round, Protocol.Done, plan.TimeoutFor(size), proxy, cancellationToken).ConfigureAwait(false));
                foreach (var queue in messages.Select(m => m.Queue).Distinct(StringComparer.Ordinal))
                {
                    await azurite.Queue(queue).ClearMessagesAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            var read = await raw.WaitForAsync(RawEnqueueChild.ReadDone, plan.TimeoutFor(size), cancellationToken).ConfigureAwait(false);
            await Scenarios.StopAsync(raw, cancellationToken).ConfigureAwait(false);
            await Scenarios.StopAsync(app, cancellationToken).ConfigureAwait(false);

            var (b, r) = (batch[^1], sent[^1]);
            var outcome = new HandOffOutcome
            {
                Size = size,
                LatencyMs = plan.HandOffLatency.TotalMilliseconds,
                Concurrency = plan.HandOffConcurrency,
                Messages = messages.Count,
                MessageBytes = r.End["bytes"]?.GetValue<long>() ?? 0,
                BatchRoundSeconds = [.. batch.Select(w => w.Seconds)],
                BatchResult = b.End["result"]?.DeepClone(),
                TracktilePages = pagesRead,
                RawRoundSeconds = [.. sent.Select(w => w.Seconds)],
                ReadAloneSeconds = read["seconds"]?.GetValue<double>(),
                BatchAppCpuSeconds = b.ChildCpuSeconds,
                RawChildCpuSeconds = r.ChildCpuSeconds,
                BatchDriverCpuSeconds = b.DriverCpuSeconds,
                RawDriverCpuSeconds = r.DriverCpuSeconds,
                BatchAzuriteCpuSeconds = b.AzuriteCpuSeconds,
                RawAzuriteCpuSeconds = r.AzuriteCpuSeconds,
                BatchStorage = b.Storage,
                RawStorage = r.Storage,
            };
            Console.Error.WriteLine(
                $"[{size:N0}] hand-off: {outcome.Messages:N0} messages in {outcome.BatchSeconds:0.00} s = {outcome.BatchMessagesPerSecond:0} messages/s; " +
                $"raw enqueue {outcome.RawSeconds:0.00} s = {outcome.RawMessagesPerSecond:0} messages/s; hand-off / raw {outcome.Ratio:0.00}x " +
                $"(rounds: batch {Join(outcome.BatchRoundSeconds)} s, raw {Join(outcome.RawRoundSeconds)} s)");
            return outcome;
        }
        finally
        {
            File.Delete(file);
        }
    }

    internal static string Join(IEnumerable<double> seconds) => string.Join(", ", seconds.Select(s => s.ToString("0.00", CultureInfo.InvariantCulture)));

    /// <summary>One measured window of a child: from its <c>started</c> to the end event, with the CPU and storage operations in it.</summary>
    private sealed record Window(JsonObject End, double Seconds, double ChildCpuSeconds, double DriverCpuSeconds, double? AzuriteCpuSeconds, StoragePhase? Storage);

    /// <summary>Sends <c>go</c> and measures round <paramref name="round"/> until its <paramref name="endEvent"/>.</summary>
    private static async Task<Window> MeasureAsync(ChildProcess child, int round, string endEvent, TimeSpan timeout, CountingStorageProxy? proxy, CancellationToken cancellationToken)
    {
        var (driverCpu, azuriteCpu) = (ProcessCpu.Self(), ProcessCpu.Children("node"));
        child.Send(Protocol.Go);
        var started = await WaitForRoundAsync(child, Protocol.Started, round, StartedTimeout, cancellationToken).ConfigureAwait(false);
        var end = await WaitForRoundAsync(child, endEvent, round, timeout, cancellationToken).ConfigureAwait(false);
        var (from, to) = (Scenarios.Ticks(started), Scenarios.Ticks(end));
        return new Window(
            end,
            TimeSpan.FromTicks(to - from).TotalSeconds,
            (end["cpuMs"]!.GetValue<double>() - started["cpuMs"]!.GetValue<double>()) / 1000,
            ProcessCpu.Self() - driverCpu,
            ProcessCpu.Children("node") - azuriteCpu,
            proxy is null ? null : StoragePhase.From(endEvent, proxy.Log.Between(from, to + 1)));
    }

    /// <summary>The child's latest <paramref name="name"/> event once it is round <paramref name="round"/>'s (an event without a round is the first's).</summary>
    private static async Task<JsonObject> WaitForRoundAsync(ChildProcess child, string name, int round, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (child.TryGet(name) is { } evt && (evt["round"]?.GetValue<int>() ?? 1) == round)
            {
                return evt;
            }

            if (clock.Elapsed > timeout)
            {
                throw new ScenarioFailedException($"{child.Label}: no '{name}' of round {round} within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every message of every queue, as stored (base64 text), read straight from Azurite; the queues are left empty.</summary>
    private static async Task<List<(string Queue, string Text)>> TakeAllAsync(AzuriteFixture azurite, Window round, CancellationToken cancellationToken)
    {
        var taken = new List<(string Queue, string Text)>();
        foreach (var name in (await Scenarios.NonEmptyQueuesAsync(azurite, cancellationToken).ConfigureAwait(false)).Keys)
        {
            var queue = azurite.Queue(name, QueueMessageEncoding.None);
            while ((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false)).Value is { Length: > 0 } received)
            {
                taken.AddRange(received.Select(m => (name, m.Body.ToString())));
            }

            await queue.ClearMessagesAsync(cancellationToken).ConfigureAwait(false);
        }

        var pages = round.End["result"]?["pages"]?.GetValue<long>() ?? 0;
        return taken.Count >= pages
            ? taken
            : throw new ScenarioFailedException($"the batch reported {pages:N0} pages, but the queues held {taken.Count:N0} messages");
    }
}
