using System.Globalization;
using System.Text;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>The <c>events</c> results as Markdown: ingest against raw queue puts, end to end against its bound, storage per event.</summary>
internal static class EventsMarkdown
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Build(EventsReport report)
    {
        var (plan, m) = (report.Plan, report.Machine);
        var md = new StringBuilder();
        Add(md, $"# Webhook events load, {report.StartedAt:yyyy-MM-dd HH:mm} UTC");
        Add(md);
        Add(md, $"- **Machine**: {m.Cores} cores ({m.Cpu}), {m.Os}, {m.Runtime}; load average {m.LoadAverage} at the start, {report.LoadAverageAtEnd} at the end (1, 5, 15 min).");
        Add(md, $"- **Code**: {m.Code}.");
        Add(md, $"- **Events**: signed Tracktile webhooks of {EventBodies.BodyBytes:N0} bytes each, shaped like tests/Fixtures/events (plus organisation, actor, attributes and a note), every id unique: {string.Join(", ", EventBodies.AllKinds.Select(k => $"`{EventBodies.KindName(k)}`"))}.");
        Add(md, $"- **Sandbox**: {plan.Latency.TotalMilliseconds:0.#} ms before every Tracktile and ERP answer; ERP and Tracktile API concurrency cap {plan.Cap}, so the target's bound is {plan.Cap} / {plan.Latency.TotalMilliseconds:0.#} ms = **{plan.BoundPerSecond:0} events/s**.");
        Add(md, $"- **App settings**: {string.Join(", ", plan.Settings.Select(s => $"`{s.Key}={(s.Key.Contains("Secret", StringComparison.OrdinalIgnoreCase) ? "..." : s.Value)}`"))}; GC as the app's build sets it ({string.Join(", ", plan.ChildEnvironment.Select(e => $"{e.Key}={e.Value}"))}).");
        Add(md, "- **Storage**: every request of the app and of the queue extension to Azurite counted by a forwarding proxy (one request is one operation); the ingest throughput runs talk to Azurite directly, then one run of each contender goes through the proxy to be counted.");
        Add(md);
        Add(md, "**Ratios are what counts**: each baseline ran in the same run on the same machine, under the same load; absolute events/s depend on the machine and on whatever else it was doing.");
        Add(md);
        if (report.Ingest is { } ingest)
        {
            Ingest(md, plan, ingest);
        }

        if (report.EndToEnd is { } e2e)
        {
            EndToEnd(md, plan, e2e);
            Storage(md, e2e);
        }

        return md.ToString();
    }

    private static void Ingest(StringBuilder md, EventsPlan plan, IngestOutcome ingest)
    {
        if (!Section(md, "Ingest", ingest.Error))
        {
            return;
        }

        Add(md, $"`{IngestChild.Raw}`: `QueueClient.SendMessageAsync` of the very message the app writes for the event (its JSON record with the body inline, base64 as the app's client sends it), to the same queue of the same Azurite, with the app's client options. " +
                $"`{IngestChild.Publish}`: the app's own enqueue alone, `EventPublisher.PublishAsync` (encoding, its queue client), which splits what the app adds into enqueue and receive. " +
                $"`{IngestChild.App}`: `TracktileWebhookFunction.RunAsync` invoked in process with a request whose body is a stream (read, verify the signature, parse, route, enqueue). " +
                $"`{IngestChild.Http}`: the same function behind Kestrel (`HttpFunctionHost`), posted with `HttpClient`: HTTP's own cost on top. " +
                $"{plan.Count:N0} events per contender and number of callers, in {plan.Rounds} rounds; each round runs every contender once, back to back, in alternating order, and the queues are emptied between runs (untimed). Signing and encoding happen before a run's clock starts.");
        Add(md);
        var contenders = ingest.Rates.Select(r => r.Contender).Distinct().ToList();
        Add(md, "| Callers | " + string.Join(" | ", contenders.Select(c => $"{c} (events/s)")) + " | " + string.Join(" | ", contenders.Skip(1).Select(c => $"{c} / raw: best runs (median of rounds, range; overall)")) + " | p50 ms (" + string.Join(" / ", contenders) + ") | CPU ms per event (" + string.Join(" / ", contenders) + ") | Stalled runs |");
        Add(md, "|---:|" + string.Concat(contenders.Select(_ => "---:|")) + string.Concat(contenders.Skip(1).Select(_ => "---:|")) + "---:|---:|---:|");
        foreach (var callers in plan.Callers)
        {
            var rates = contenders.Select(c => ingest.Rates.Single(r => r.Callers == callers && r.Contender == c)).ToList();
            Add(md, $"| {callers} | {string.Join(" | ", rates.Select(r => Rate(r.EventsPerSecond)))} | " +
                    string.Join(" | ", rates.Skip(1).Select(r => $"**{Ratio(r.BestRatio)}** ({Ratio(r.MedianRoundRatio)}, {Ratio(r.RoundRatios.Min())} to {Ratio(r.RoundRatios.Max())}; {Ratio(r.RatioToRaw)})")) +
                    $" | {string.Join(" / ", rates.Select(r => r.P50Ms.ToString("0.00", Invariant)))} | {string.Join(" / ", rates.Select(r => r.CpuMsPerEvent.ToString("0.00", Invariant)))} | {string.Join(" / ", rates.Select(r => r.StalledRuns))} |");
        }

        Add(md);
        Add(md, "*events/s* is each contender's events over its runs' time. *Best runs*: the fastest run of the contender over the fastest of the baseline; other load only ever slows a run down, so on a shared machine the fastest run of each is the least disturbed. " +
                "*Median of rounds*: the median over the rounds of the ratio of the two runs of one round (back to back, so a slow drift in the machine's load weighs on both; a burst shorter than a round does not), " +
                $"*overall* the ratio of the events/s. A *stalled* run had a call over {IngestRate.StalledCallMs / 1000:0} s: Azurite left a request unanswered until the client's 10 s time-out (rare, and on either side); one such run moves neither the best runs nor the median much.");
        Add(md);
        var verdicts = ingest.Rates.Where(r => r.Contender == IngestChild.App)
            .Select(app => $"{app.Callers} caller{(app.Callers == 1 ? "" : "s")}: {Ratio(app.BestRatio)} (median of rounds {Ratio(app.MedianRoundRatio)}), {(app.BestRatio >= 0.9 ? "met" : "**not met**")}");
        Add(md, $"Target (issue 16): the app at least 0.9x of raw (best runs): {string.Join("; ", verdicts)}.");
        Add(md);
        var azurite = ingest.AzuriteCpuSeconds is { } a ? string.Create(Invariant, $", Azurite {a:0.0} s ({a / ingest.MeasuredSeconds * 100:0} % of its one core)") : "";
        Add(md, string.Create(Invariant, $"CPU over the measured runs ({ingest.MeasuredSeconds:0.0} s, warm-up included): the measured process {ingest.ChildCpuSeconds:0.0} s{azurite}. " +
                                         $"*CPU ms per event* is the measured process's own CPU per event of each contender (the client's and, for the app, the function's)."));
        Add(md);
        Add(md, "Storage requests per webhook, from one counted run of each through the proxy:");
        Add(md);
        Add(md, "| Contender | Events | Requests per webhook | Service | Operation | Resource | Per webhook | Errors | Purpose |");
        Add(md, "|---|---:|---:|---|---|---|---:|---:|---|");
        foreach (var counted in ingest.Counted)
        {
            foreach (var op in counted.ByOperation)
            {
                Add(md, string.Create(Invariant, $"| {counted.Contender} | {counted.Events:N0} | {counted.Operations / (double)counted.Events:0.00} | {op.Service} | {op.Kind} | {op.Resource} | {op.Count / (double)counted.Events:0.000} | {op.Errors:N0} | {op.Purpose} |"));
            }
        }

        Add(md);
    }

    private static void EndToEnd(StringBuilder md, EventsPlan plan, EndToEndOutcome e2e)
    {
        Section(md, "End to end", e2e.Error);
        Add(md, $"Signed webhooks through the HTTP function in process ({plan.EndToEndCallers} callers), the queue functions {string.Join(", ", e2e.Functions ?? [])} each under the real queue extension (WebJobs, host.json's queue options) in the same child process, against the sandbox's REST ERP. " +
                "**Elapsed runs from the first webhook sent to the last effect the ERP recorded** (a sales order's or a confirmation's own time; for a stock movement, its call's arrival plus the latency). " +
                $"Bound: {Rate(e2e.BoundPerSecond)} events/s, {e2e.BoundBy}. " +
                (e2e.WarmUp is { } warm ? $"An untimed warm-up phase of {warm.Events:N0} mixed events ran first (JIT, connection pools, tables created), then the idle window, then the phases." : "No warm-up phase (`--e2e-warmup 0`): the first phase pays the start-up."));
        Add(md);

        Add(md, "| Phase | Events | Events/s | Bound (events/s) | Events / bound | Storage ops / event | of which empty dequeues | ERP calls / event | Tracktile calls / event | Webhooks sent in (s) | Drained after (s) |");
        Add(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in e2e.Phases ?? [])
        {
            Add(md, p.Error is not null
                ? $"| {p.Name} | {p.Events:N0} | failed: {p.Error} | | | | | | | | |"
                : string.Create(Invariant,
                    $"| {p.Name} | {p.Events:N0} | {Rate(p.EventsPerSecond)} | {Rate(e2e.BoundPerSecond)} | **{Ratio(p.EventsPerSecond / e2e.BoundPerSecond)}** | {p.Operations / (double)p.Events:0.00} | {p.EmptyDequeues / (double)p.Events:0.00} | " +
                    $"{p.ErpCalls / (double)p.Events:0.00} | {p.TracktileCalls / (double)p.Events:0.00} | {p.PostSeconds:0.0} | {p.DrainedSeconds:0.0} |"));
        }

        Add(md);
        foreach (var p in (e2e.Phases ?? []).Where(p => p.Error is null))
        {
            var (cpu, capacity) = (p.Cpu!, Environment.ProcessorCount * p.DrainedSeconds);
            var azurite = cpu.Azurite ?? 0;
            Add(md, string.Create(Invariant,
                $"- **{p.Name}**: {p.Effects:N0} effects; poison {(p.Poison is not { Count: > 0 } poison ? "none" : string.Join(", ", poison.Select(x => $"{x.Key} {x.Value:N0}")))}; " +
                $"CPU until drained ({p.DrainedSeconds:0.0} s): app {cpu.App:0.0} s, driver (sandbox, proxy) {cpu.Driver:0.0} s, Azurite {azurite:0.0} s " +
                $"({(cpu.App + cpu.Driver + azurite) / capacity * 100:0} % of {Environment.ProcessorCount} cores; Azurite {azurite / p.DrainedSeconds * 100:0} % of its one core, " +
                $"{(p.Operations > 0 ? azurite / p.Operations * 1000 : 0):0.00} ms per request, so storage alone would allow about {(azurite > 0 ? p.Events / azurite : double.PositiveInfinity):0} events/s); " +
                $"{p.OperationsAfterLastEffect:N0} storage requests after the last effect."));
        }

        if (e2e.Memory is { } memory)
        {
            Add(md, string.Create(Invariant, $"- App process: peak working set {memory.PeakWorkingSetBytes / 1048576.0:0} MB, GC heap peak {memory.GcHeapAfterGcPeakBytes / 1048576.0:0} MB."));
        }

        Add(md);
    }

    private static void Storage(StringBuilder md, EndToEndOutcome e2e)
    {
        Add(md, "## Storage operations per event");
        Add(md);
        Add(md, "From the first webhook of a phase until its queues were seen drained, every request counted (idle polling included, nothing subtracted); " +
                "*empty* are dequeues that found nothing (the extension polling, also of the queues of the other kinds).");
        Add(md);
        foreach (var p in (e2e.Phases ?? []).Where(p => p.Error is null))
        {
            Add(md, string.Create(Invariant, $"**{p.Name}** ({p.Events:N0} events, {p.Operations / (double)p.Events:0.00} requests per event, {(p.Operations - p.EmptyDequeues) / (double)p.Events:0.00} without empty dequeues):"));
            Add(md);
            Rows(md, p.ByOperation ?? [], p.Events, "Per event");
        }

        if (e2e.Idle is { } idle)
        {
            Add(md, string.Create(Invariant, $"**Idle** ({idle.Seconds:0} s with nothing to do, after the polling back-off settled): {idle.Operations / idle.Seconds:0.00} requests per second."));
            Add(md);
            Rows(md, idle.ByOperation, idle.Seconds, "Per second");
        }
    }

    private static void Rows(StringBuilder md, IReadOnlyList<OperationRow> rows, double over, string per)
    {
        Add(md, $"| Service | Operation | Resource | {per} | Errors | Empty | Messages received | Purpose |");
        Add(md, "|---|---|---|---:|---:|---:|---:|---|");
        foreach (var op in rows)
        {
            Add(md, string.Create(Invariant, $"| {op.Service} | {op.Kind} | {op.Resource} | {op.Count / over:0.000} | {op.Errors:N0} | {op.EmptyAnswers:N0} | {op.MessagesReturned:N0} | {op.Purpose} |"));
        }

        Add(md);
    }

    /// <summary>A section's heading, and its failure if any; false when it failed.</summary>
    private static bool Section(StringBuilder md, string title, string? error)
    {
        Add(md, "## " + title);
        Add(md);
        if (error is not null)
        {
            Add(md, $"**Failed**: {error}");
            Add(md);
        }

        return error is null;
    }

    private static string Rate(double perSecond) => perSecond.ToString("0.0", Invariant);

    private static string Ratio(double ratio) => ratio.ToString("0.00", Invariant) + "x";

    private static void Add(StringBuilder md, string text = "") => md.Append(text).Append('\n');
}
