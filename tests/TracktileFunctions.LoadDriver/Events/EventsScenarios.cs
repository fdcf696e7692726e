using TracktileFunctions.LoadDriver.Child;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TracktileFunctions.LoadDriver.Parent;
using TracktileFunctions.LoadDriver.Report;
using TracktileFunctions.Sandbox.Tracktile;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>
/// The two scenarios of the <c>events</c> command, each with a fresh Azurite behind the counting proxy here in the
/// driver, and the measured code in a child process of its own.
/// </summary>
internal static class EventsScenarios
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan IdleSettle = TimeSpan.FromSeconds(4); // the extension's polling backs off to its 2 s maximum first

    /// <summary>Ingest against raw <c>SendMessageAsync</c>, alternating in one child; then one counted run of each.</summary>
    public static async Task<IngestOutcome> RunIngestAsync(EventsPlan plan, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"ingest: {plan.Count:N0} events per contender and callers ({string.Join(", ", plan.Callers)}), {plan.Rounds} alternating rounds ...");
        try
        {
            await using var storage = await StorageRun.StartAsync(cancellationToken).ConfigureAwait(false);
            List<string> arguments =
            [
                ChildEntry.IngestMode,
                "--count", Invariant(plan.Count),
                "--callers", string.Join(',', plan.Callers),
                "--rounds", Invariant(plan.Rounds),
                "--counted", Invariant(plan.CountedEvents),
                "--counted-storage", storage.Proxy.ConnectionString,
                "--log-level", plan.LogLevel,
                .. plan.Http ? Array.Empty<string>() : ["--no-http"],
                .. SetArguments(plan, storage.Azurite.ConnectionString, new Uri("http://127.0.0.1:9/tracktile/"), new Uri("http://127.0.0.1:9/erp/")),
            ];
            await using var child = ChildProcess.Start("ingest", arguments, plan.ChildEnvironment);
            await child.WaitForAsync(Protocol.Ready, ReadyTimeout, cancellationToken).ConfigureAwait(false);
            var timeout = TimeSpan.FromMinutes(5) + TimeSpan.FromMilliseconds(20.0 * plan.Count * plan.Callers.Count * (plan.Http ? 3 : 2));
            var (childCpu, azuriteCpu) = (child.CpuSeconds, ProcessCpu.Children("node"));
            var go = Stopwatch.StartNew();
            child.Send(Protocol.Go);
            await child.WaitForAsync("measured", timeout, cancellationToken).ConfigureAwait(false);
            var (measuredSeconds, childCpuUsed, azuriteCpuUsed) = (go.Elapsed.TotalSeconds, child.CpuSeconds - childCpu, ProcessCpu.Children("node") - azuriteCpu);
            var result = await child.WaitForAsync(Protocol.Result, timeout, cancellationToken).ConfigureAwait(false);
            await child.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);

            var runs = result["runs"].Deserialize<List<IngestRun>>(JsonSerializerOptions.Web) ?? [];
            var counted = (result["counted"].Deserialize<List<CountedWindow>>(JsonSerializerOptions.Web) ?? [])
                .Select(w =>
                {
                    var records = storage.Proxy.Log.Between(w.FromTicks, w.ToTicks);
                    return new CountedIngest(w.Contender, w.Events, records.Count, OperationRow.From(records));
                })
                .ToList();
            var outcome = new IngestOutcome(runs, Rates(runs), counted, measuredSeconds, childCpuUsed, azuriteCpuUsed, MemoryFigures.From(result));
            foreach (var rate in outcome.Rates)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ingest: {rate.Contender,-7} {rate.Callers,2} callers: {rate.EventsPerSecond,7:0.0} events/s ({rate.RatioToRaw:0.00}x raw overall, best runs {rate.BestRatio:0.00}x, median of rounds {rate.MedianRoundRatio:0.00}x)"));
            }

            return outcome;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
        {
            Console.Error.WriteLine($"ingest FAILED: {ex.Message}");
            return IngestOutcome.Failed(ex.Message);
        }
    }

    /// <summary>Webhook to ERP effect, phase by phase, in one child with the three event queue functions.</summary>
    public static async Task<EndToEndOutcome> RunEndToEndAsync(EventsPlan plan, IngestOutcome? ingest, CancellationToken cancellationToken)
    {
        var raw = ingest?.RawRate(plan.EndToEndCallers);
        var (bound, boundBy) = raw is { } r && r < plan.BoundPerSecond
            ? (r, string.Create(CultureInfo.InvariantCulture, $"the raw queue's {r:0} events/s at {plan.EndToEndCallers} callers (ingest)"))
            : (plan.BoundPerSecond, string.Create(CultureInfo.InvariantCulture, $"the ERP's cap {plan.Cap} / {plan.Latency.TotalMilliseconds:0.#} ms") +
                (raw is { } q ? string.Create(CultureInfo.InvariantCulture, $" (the raw queue allowed {q:0} events/s at {plan.EndToEndCallers} callers)") : $" (the raw queue was not measured at {plan.EndToEndCallers} callers)"));
        Console.Error.WriteLine($"end to end: phases {string.Join(", ", plan.Phases)}, {plan.EndToEndCallers} callers; bound {bound:0} events/s ({boundBy}) ...");
        var functions = EventBodies.AllKinds.Select(EventBodies.Function).ToList();
        try
        {
            await using var storage = await StorageRun.StartAsync(cancellationToken).ConfigureAwait(false);
            await using var sandbox = await SandboxRun.StartAsync(0, plan.Latency, ProductPagination.OffsetEnvelope).ConfigureAwait(false);
            var warmUp = plan.WarmUpEvents > 0 ? new EventPhase(EventPhase.WarmUp, plan.WarmUpEvents) : null;
            List<EventPhase> all = [.. warmUp is null ? [] : new[] { warmUp }, .. plan.Phases];
            foreach (var phase in all)
            {
                EventBodies.SeedOrders(sandbox.State, phase.Events());
            }

            List<string> arguments =
            [
                ChildEntry.EventsMode,
                "--callers", Invariant(plan.EndToEndCallers),
                "--log-level", plan.LogLevel,
                .. all.SelectMany(p => new[] { "--phase", p.ToString() }),
                .. functions.SelectMany(f => new[] { "--function", f }),
                .. SetArguments(plan, storage.Proxy.ConnectionString, sandbox.Tracktile, sandbox.Erp),
            ];
            await using var child = ChildProcess.Start("events", arguments, plan.ChildEnvironment);
            var ready = await child.WaitForAsync(Protocol.Ready, ReadyTimeout, cancellationToken).ConfigureAwait(false);
            var started = (ready["functions"]?.AsArray() ?? []).Select(f => $"{f!["name"]} (queue {f["queue"]})").ToList();
            var warm = warmUp is null ? null : await RunPhaseAsync(plan, warmUp, storage, sandbox, child, cancellationToken).ConfigureAwait(false);
            if (warm?.Error is { } failed)
            {
                throw new ScenarioFailedException($"the warm-up failed: {failed}");
            }

            await Task.Delay(IdleSettle, cancellationToken).ConfigureAwait(false);
            var idleFrom = DateTimeOffset.UtcNow.UtcTicks;
            await Task.Delay(plan.Idle, cancellationToken).ConfigureAwait(false);
            var idleRecords = storage.Proxy.Log.Between(idleFrom, DateTimeOffset.UtcNow.UtcTicks);
            var idle = new IdleOutcome(plan.Idle.TotalSeconds, idleRecords.Count, OperationRow.From(idleRecords));

            var phases = new List<PhaseOutcome>();
            foreach (var phase in plan.Phases)
            {
                phases.Add(await RunPhaseAsync(plan, phase, storage, sandbox, child, cancellationToken).ConfigureAwait(false));
                if (phases[^1].Error is not null)
                {
                    break;
                }
            }

            child.Send(Protocol.Stop);
            var result = await child.WaitForAsync(Protocol.Result, TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false);
            await child.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            return new EndToEndOutcome(bound, boundBy, warm, idle, phases, started, MemoryFigures.From(result));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
        {
            Console.Error.WriteLine($"end to end FAILED: {ex.Message}");
            return new EndToEndOutcome(bound, boundBy, Error: ex.Message);
        }
    }

    private static async Task<PhaseOutcome> RunPhaseAsync(
        EventsPlan plan, EventPhase phase, StorageRun storage, SandboxRun sandbox, ChildProcess child, CancellationToken cancellationToken)
    {
        var tracker = new EffectTracker(phase.Events());
        var queues = phase.Kinds.Select(EventBodies.Queue).ToList();
        child.Send(phase.GoCommand);
        var startTicks = (await child.WaitForAsync(phase.StartedEvent, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false))["utcTicks"]!.GetValue<long>();
        var (appCpu, driverCpu, azuriteCpu) = (child.CpuSeconds, ProcessCpu.Self(), ProcessCpu.Children("node"));
        var deadline = Stopwatch.StartNew();
        var (progress, movedAt) = (-1L, Stopwatch.GetTimestamp());
        long? drainedSince = null;
        JsonObject? posted = null;
        int effects;
        try
        {
            while (true)
            {
                posted ??= child.TryGet(phase.PostedEvent);
                effects = tracker.Count(sandbox.State);
                var moved = effects + storage.Proxy.Log.Progress; // ERP effects, queue and table writes: polling does not move it
                if (moved != progress)
                {
                    (progress, movedAt) = (moved, Stopwatch.GetTimestamp());
                }
                else if (Stopwatch.GetElapsedTime(movedAt) > plan.Stall)
                {
                    throw new ScenarioFailedException($"nothing moved for {plan.Stall.TotalSeconds:0} s (--stall-s): {effects:N0} of {tracker.Expected:N0} effects");
                }

                if (posted is not null && effects >= tracker.Expected && (await storage.CountsAsync(queues, cancellationToken).ConfigureAwait(false)).All(c => c == 0))
                {
                    drainedSince ??= Stopwatch.GetTimestamp();
                    if (Stopwatch.GetElapsedTime(drainedSince.Value) >= DrainGrace)
                    {
                        break;
                    }
                }
                else
                {
                    drainedSince = null;
                }

                if (deadline.Elapsed > plan.TimeoutFor(phase.Count))
                {
                    throw new ScenarioFailedException($"not done within {plan.TimeoutFor(phase.Count).TotalSeconds:0} s (--timeout-s): {effects:N0} of {tracker.Expected:N0} effects{(posted is null ? ", webhooks still being sent" : "")}");
                }

                await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ScenarioFailedException ex)
        {
            // What there is to see: where the events are (sent or not, in a queue, poisoned) and whether the calls failed.
            var all = EventBodies.AllKinds.Select(EventBodies.Queue).SelectMany(q => new[] { q, q + "-poison" }).ToList();
            var waiting = await storage.CountsAsync(all, cancellationToken).ConfigureAwait(false);
            var since = new DateTimeOffset(startTicks, TimeSpan.Zero);
            var sent = sandbox.State.Calls.Where(c => c.Time >= since).ToList();
            var error = $"{ex.Message}; webhooks {(posted is null ? "still being sent" : "all sent")}; effects by kind: {tracker.Describe(sandbox.State)}; " +
                        $"messages in {string.Join(", ", all.Zip(waiting, (q, n) => $"{q} {n:N0}"))}; " +
                        $"{sent.Count:N0} Tracktile/ERP calls since the start, {sent.Count(c => c.StatusCode >= 400 || c.Aborted):N0} failed";
            Console.Error.WriteLine($"[{phase.Name}] FAILED: {error}");
            return new PhaseOutcome(phase.Name, phase.Count, Error: error);
        }

        var doneTicks = DateTimeOffset.UtcNow.UtcTicks;
        var (appCpuUsed, driverCpuUsed, azuriteCpuUsed) = (child.CpuSeconds - appCpu, ProcessCpu.Self() - driverCpu, ProcessCpu.Children("node") - azuriteCpu);
        var start = new DateTimeOffset(startTicks, TimeSpan.Zero);
        var last = tracker.LastEffect(sandbox.State, start, plan.Latency) ?? start;
        var calls = sandbox.State.Calls.Where(c => c.Time >= start).ToList();
        var poisonQueues = queues.Select(q => q + "-poison").ToList();
        var poison = await storage.CountsAsync(poisonQueues, cancellationToken).ConfigureAwait(false);
        var records = storage.Proxy.Log.Between(startTicks, doneTicks);
        var seconds = (last - start).TotalSeconds;
        var outcome = new PhaseOutcome(
            phase.Name,
            phase.Count,
            Seconds: seconds,
            PostSeconds: posted!["result"]?["seconds"]?.GetValue<double>() ?? double.NaN,
            DrainedSeconds: TimeSpan.FromTicks(doneTicks - startTicks).TotalSeconds,
            Effects: effects,
            ErpCalls: calls.Count(c => c.Path.StartsWith("/erp/", StringComparison.Ordinal)),
            TracktileCalls: calls.Count(c => c.Path.StartsWith("/tracktile/", StringComparison.Ordinal)),
            Poison: poisonQueues.Zip(poison).Where(p => p.Second > 0).ToDictionary(p => p.First, p => p.Second),
            Cpu: new CpuSeconds(appCpuUsed, driverCpuUsed, azuriteCpuUsed),
            Operations: records.Count,
            EmptyDequeues: records.LongCount(OperationRow.IsEmptyDequeue),
            OperationsAfterLastEffect: records.LongCount(r => r.UtcTicks > last.UtcTicks),
            ByOperation: OperationRow.From(records));
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{phase.Name}] {phase.Count:N0} events in {seconds:0.0} s = {outcome.EventsPerSecond:0.0} events/s; {records.Count / (double)phase.Count:0.00} storage ops per event"));
        return outcome;
    }

    /// <summary>The app's settings for a child: the plan's, then the harness's (this run's storage, Tracktile API and ERP).</summary>
    private static IEnumerable<string> SetArguments(EventsPlan plan, string storage, Uri tracktile, Uri erp)
        => plan.Settings
            .Append(new("AzureWebJobsStorage", storage))
            .Append(new("Tracktile:Api:BaseUrl", tracktile.ToString()))
            .Append(new("Erp:BaseUrl", erp.ToString()))
            .SelectMany(s => new[] { "--set", $"{s.Key}={s.Value}" });

    /// <summary>Each contender's totals per number of callers, and its ratio to the raw baseline, overall and round by round.</summary>
    private static List<IngestRate> Rates(IReadOnlyList<IngestRun> runs)
        => [.. runs.GroupBy(r => (r.Callers, r.Contender)).Select(g =>
        {
            var baseline = runs.Where(r => r.Callers == g.Key.Callers && r.Contender == IngestChild.Raw).ToList();
            var rate = g.Sum(r => r.Result.Events) / g.Sum(r => r.Result.Seconds);
            var rawRate = baseline.Sum(r => r.Result.Events) / baseline.Sum(r => r.Result.Seconds);
            return new IngestRate(
                g.Key.Callers, g.Key.Contender, g.Sum(r => r.Result.Events), g.Sum(r => r.Result.Seconds), rate, rate / rawRate,
                [.. g.Select(r => r.Result.EventsPerSecond / baseline.Single(b => b.Round == r.Round).Result.EventsPerSecond)],
                g.Average(r => r.Result.P50Ms), g.Max(r => r.Result.P99Ms), g.Sum(r => r.Result.CpuMs) / g.Sum(r => r.Result.Events),
                g.Count(r => r.Result.MaxMs > IngestRate.StalledCallMs),
                g.Max(r => r.Result.EventsPerSecond) / baseline.Max(r => r.Result.EventsPerSecond));
        })];

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
