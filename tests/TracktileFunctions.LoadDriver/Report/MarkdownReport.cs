using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TracktileFunctions.LoadDriver.Parent;

namespace TracktileFunctions.LoadDriver.Report;

/// <summary>One size's two scenarios.</summary>
internal sealed record SizeResult(int Size, SeedOutcome? Seed, AppOutcome? App, HandOffOutcome? HandOff = null);

/// <summary>Everything one run of the driver measured, as written to the .json file.</summary>
internal sealed record RunReport(RunPlan Plan, MachineInfo Machine, DateTimeOffset StartedAt, DateTimeOffset EndedAt, string LoadAverageAtEnd, IReadOnlyList<SizeResult> Results);

internal static class ReportJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

/// <summary>The results as Markdown: the summary tables, the targets of issues 16 and 17, then the details of each size.</summary>
internal static partial class MarkdownReport
{
    private const double Mb = 1024 * 1024;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly JsonSerializerOptions Readable = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Build(RunReport report)
    {
        var plan = report.Plan;
        var m = report.Machine;
        var md = new StringBuilder();
        Line(md, $"# Product batch load, {report.StartedAt:yyyy-MM-dd HH:mm} UTC");
        Line(md);
        Line(md, $"- **Machine**: {m.Cores} cores ({m.Cpu}), {m.Os}, {m.Runtime}; load average {m.LoadAverage} at the start, {report.LoadAverageAtEnd} at the end (1, 5, 15 min).");
        Line(md, $"- **Code**: {m.Code}.");
        Line(md, $"- **Sandbox**: {plan.Latency.TotalMilliseconds:0.#} ms before every Tracktile and ERP answer; products paged {plan.Pagination}, {plan.PageSize} per page.");
        Line(md, $"- **ERP-side bound**: cap {plan.Cap} / {plan.Latency.TotalMilliseconds:0.#} ms = **{plan.BoundPerSecond:0} products/s** (at most {plan.Cap} ERP calls in flight, none shorter than the latency).");
        Line(md, $"- **App**: one `ProductSyncService.RunAsync` (the batch, as the timer starts it) and {string.Join(", ", plan.Functions.Select(f => $"`{f}`"))} under the real queue extension (WebJobs, host.json's queue options), in a process of its own; settings: {string.Join(", ", plan.Settings.Select(s => $"`{s.Key}={s.Value}`"))}; GC as the app's build sets it ({string.Join(", ", plan.ChildEnvironment.Select(e => $"{e.Key}={e.Value}"))}).");
        Line(md, $"- **Seed loop**: the products fetched page by page, then `PUT products/{{id}}` one by one, awaiting each answer{(plan.SeedMax is { } max ? $"; stopped after at most {max:N0} products per size (`--seed-max`), its rate is over those" : "")}.");
        Line(md, plan.NoProxy
            ? "- **Storage**: the app talked to Azurite directly (`--no-proxy`): operations were not counted."
            : "- **Storage**: every request of the app and of the queue extension went through a counting proxy in front of Azurite. One request is one operation (a table batch is one, as Azure bills it). The figure per product counts everything from the run's start until the queues were seen drained, **idle polling of empty queues included** (nothing is subtracted); the details split off what came after the ERP's last write.");
        Line(md);
        Line(md, "**Ratios are what counts.** The seed loop and the app ran one after the other in the same run on the same machine, under the same load; absolute products/s depend on the machine and on whatever else it was doing (this driver, the sandbox and Azurite share it with the app).");
        Line(md);

        Line(md, "| Products | Seed loop (products/s) | App (products/s) | App / seed | App / ERP-side bound | Storage ops / product | Peak working set (MB) | GC heap peak (MB) |");
        Line(md, "|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in report.Results)
        {
            var seed = row.Seed;
            var app = row.App;
            var seedText = seed is null ? "not run" : seed.Error is not null ? "failed" : Rate(seed.ProductsPerSecond) + (seed.Products < seed.Size ? $" (first {seed.Products:N0})" : "");
            var appOk = app is { Error: null };
            var seedOk = seed is { Error: null };
            Line(md, string.Create(Invariant, $"| {row.Size:N0} | {seedText} | {(app is null ? "not run" : appOk ? Rate(app.ProductsPerSecond) : "failed")} | " +
                $"{(appOk && seedOk ? Ratio(app!.ProductsPerSecond / seed!.ProductsPerSecond) : "")} | " +
                $"{(appOk ? Ratio(app!.ProductsPerSecond / plan.BoundPerSecond) : "")} | " +
                $"{(appOk && app!.RunOperations is { } ops ? (ops / (double)row.Size).ToString("0.00", Invariant) : appOk ? "not counted" : "")} | " +
                $"{(appOk && app!.Memory is { } mem ? (mem.PeakWorkingSetBytes / Mb).ToString("0", Invariant) : "")} | " +
                $"{(appOk && app!.Memory is { } gc ? (gc.GcHeapAfterGcPeakBytes / Mb).ToString("0", Invariant) : "")} |"));
        }

        Line(md);
        Line(md, "Columns: **seed loop** and **app** products/s are products written to the ERP over the time from the run's start to the ERP's last write. " +
                 "**App / seed** is their ratio, **app / ERP-side bound** the app's rate over cap / latency. **Storage ops / product**: the app's storage operations in the run (see above) over the products. " +
                 "**Peak working set**: the app process's high-water mark (VmHWM), start-up included; **GC heap peak**: the largest GC heap after a collection, sampled every 100 ms. Memory is the app process's alone: the sandbox, the proxy and Azurite run elsewhere.");
        Line(md);
        HandOffTable(md, report);

        Targets(md, report);
        foreach (var row in report.Results)
        {
            Details(md, row);
            HandOffDetails(md, row);
        }

        return md.ToString();
    }

    private static void Targets(StringBuilder md, RunReport report)
    {
        var plan = report.Plan;
        var apps = report.Results.Where(r => r.App is { Error: null }).Select(r => r.App!).ToList();
        Line(md, "## Targets");
        Line(md);
        Issue16Targets(md, report);
        Line(md, "Issue 17:");
        Line(md);
        var at10k = apps.FirstOrDefault(a => a.Size == 10_000);
        Line(md, at10k is null
            ? "- App at least 0.8x of the ERP-side bound at 10,000 products: not measured (10,000 was not a size of this run)."
            : $"- App at least 0.8x of the ERP-side bound at 10,000 products: {Ratio(at10k.ProductsPerSecond / plan.BoundPerSecond)}: {Verdict(at10k.ProductsPerSecond / plan.BoundPerSecond >= 0.8)}.");
        var counted = apps.Where(a => a.RunOperations is not null).ToList();
        Line(md, counted.Count == 0
            ? "- Storage operations per product at most 0.2: not counted."
            : $"- Storage operations per product at most 0.2: {string.Join("; ", counted.Select(a => string.Create(Invariant, $"{a.Size:N0}: {a.RunOperations!.Value / (double)a.Size:0.00}")))}: {Verdict(counted.All(a => a.RunOperations!.Value / (double)a.Size <= 0.2))}.");
        Line(md, "- Peak memory at 100,000 within 1.2x of 10,000: above.");
        var ordered = apps.OrderBy(a => a.Size).ToList();
        if (ordered.Count < 2)
        {
            Line(md, "- Throughput per product does not fall as the batch grows: needs two sizes.");
        }
        else
        {
            var steps = ordered.Zip(ordered.Skip(1), (a, b) => string.Create(Invariant, $"{a.Size:N0} to {b.Size:N0}: {Rate(a.ProductsPerSecond)} to {Rate(b.ProductsPerSecond)} ({(b.ProductsPerSecond / a.ProductsPerSecond - 1) * 100:+0;-0}%)")).ToList();
            var falls = ordered.Zip(ordered.Skip(1)).Any(p => p.Second.ProductsPerSecond < p.First.ProductsPerSecond * 0.95);
            Line(md, $"- Throughput per product does not fall as the batch grows (products/s, a fall of more than 5 % counts): {string.Join("; ", steps)}: {Verdict(!falls)}.");
        }

        Line(md);
    }

    private static void Details(StringBuilder md, SizeResult row)
    {
        Line(md, $"## {row.Size:N0} products");
        Line(md);
        if (row.Seed is { } seed)
        {
            Line(md, seed.Error is not null
                ? $"**Seed loop failed**: {seed.Error}"
                : string.Create(Invariant,
                    $"**Seed loop**: {seed.Products:N0} products in {seed.Seconds:0.0} s = {Rate(seed.ProductsPerSecond)} products/s; {seed.TracktilePages:N0} product pages, {seed.ErpPutCalls:N0} ERP PUTs; " +
                    $"CPU {seed.ChildCpuSeconds:0.0} s; peak working set {Mem(seed.Memory?.PeakWorkingSetBytes)} MB."));
            Line(md);
        }

        if (row.App is not { } app)
        {
            return;
        }

        if (app.Error is not null)
        {
            Line(md, $"**App failed**: {app.Error}");
            Line(md);
            return;
        }

        var capacity = Environment.ProcessorCount * app.DrainedSeconds;
        Line(md, string.Create(Invariant, $"**App**: {row.Size:N0} products in {app.Seconds:0.0} s (run start to the ERP's last write) = {Rate(app.ProductsPerSecond)} products/s."));
        Line(md);
        Line(md, $"- Functions: {string.Join(", ", app.Functions)}; hosted services started: {(app.HostedServices.Count == 0 ? "none" : string.Join(", ", app.HostedServices))}; set-up (process start to ready) {app.SetupSeconds:0.0} s.");
        Line(md, string.Create(Invariant, $"- The batch (`RunAsync`) returned after {app.BatchSeconds:0.0} s: `{app.BatchResult?.ToJsonString(Readable)}`; the ERP was complete and the queues drained when checked at {app.DrainedSeconds:0.0} s."));
        Line(md, string.Create(Invariant, $"- ERP: {app.ErpProducts:N0} products, {app.ErpUpserts:N0} upserts taken ({app.ErpUpserts / (double)row.Size:0.00} per product), {app.ErpPutCalls:N0} PUT calls; Tracktile: {app.TracktilePages:N0} product pages."));
        Line(md, $"- Poison: {Counts(app.PoisonMessages)}; messages left in any queue: {Counts(app.LeftInQueues)}.");
        Line(md, string.Create(Invariant,
            $"- CPU from the run's start to drained ({app.DrainedSeconds:0.0} s, {capacity:0} CPU-seconds on {Environment.ProcessorCount} cores): app {app.AppCpuSeconds:0.0} s, " +
            $"driver (sandbox, proxy, checks) {app.DriverCpuSeconds:0.0} s, Azurite {(app.AzuriteCpuSeconds is { } a ? a.ToString("0.0", Invariant) : "n/a")} s: " +
            $"{(app.AppCpuSeconds + app.DriverCpuSeconds + (app.AzuriteCpuSeconds ?? 0)) / capacity * 100:0} % of the machine."));
        if (app.AzuriteCpuSeconds is { } azurite && azurite > 0)
        {
            // Azurite is one Node process: one core is its ceiling, so its CPU per product bounds the products per second.
            var perProduct = azurite / row.Size;
            Line(md, string.Create(Invariant,
                $"- Azurite (one Node process, so one core at most) was busy {azurite / app.DrainedSeconds * 100:0} % of one core: {perProduct * 1000:0.00} ms of its CPU per product" +
                $"{(app.RunOperations is { } operations && operations > 0 ? $" ({azurite / operations * 1000:0.00} ms per storage request)" : "")}, " +
                $"so storage alone would allow at most about {1 / perProduct:0} products/s here."));
        }

        if (app.Memory is { } memory)
        {
            Line(md, string.Create(Invariant,
                $"- App memory: peak working set {Mem(memory.PeakWorkingSetBytes)} MB; GC heap after collection, peak {Mem(memory.GcHeapAfterGcPeakBytes)} MB; managed memory in use (garbage included), peak {Mem(memory.GcManagedInUsePeakBytes)} MB; " +
                $"allocated {Mem(memory.GcAllocatedBytes)} MB over the process's life ({memory.GcAllocatedBytes / 1024.0 / row.Size:0.0} KB per product); GC collections (gen 0/1/2) {memory.Raw["gcCollections"]?.ToJsonString(Readable)}, server GC {memory.Raw["gcServer"]}."));
        }

        Line(md);
        if (app.Storage is not { } phases)
        {
            Line(md, "Storage operations: not counted (`--no-proxy`).");
            Line(md);
            return;
        }

        Line(md, "| Phase | Storage operations | Per product | Queue | Table | Blob |");
        Line(md, "|---|---:|---:|---:|---:|---:|");
        foreach (var phase in phases)
        {
            long Of(string service) => phase.ByKind.Where(k => k.Service == service).Sum(k => k.Count);
            Line(md, string.Create(Invariant,
                $"| {phase.Name} | {phase.Total:N0} | {phase.Total / (double)row.Size:0.000} | {Of("Queue"):N0} | {Of("Table"):N0} | {Of("Blob"):N0} |"));
        }

        var run = phases[1];
        Line(md);
        Line(md, "Run phase, by operation (errors: answers of 400 or more, e.g. a 404 or 409 the SDK expects):");
        Line(md);
        Line(md, "| Service | Operation | Count | Per product | Errors | Notes |");
        Line(md, "|---|---|---:|---:|---:|---|");
        foreach (var op in run.ByKind)
        {
            var notes = new List<string>();
            if (op.Kind is "get messages" or "peek messages")
            {
                notes.Add($"{op.MessagesReturned:N0} messages returned ({op.MessagesReturned / (double)Math.Max(1, op.Count):0.0} per call)");
            }

            if (op.EmptyAnswers > 0)
            {
                notes.Add($"{op.EmptyAnswers:N0} empty (nothing to dequeue: polling)");
            }

            if (op.SubOperations > 0)
            {
                notes.Add($"{op.SubOperations:N0} operations inside");
            }

            notes.Add(string.Create(Invariant, $"{op.RequestBytes / (double)op.Count:0} B up, {op.ResponseBytes / (double)op.Count:0} B down per call"));
            Line(md, string.Create(Invariant, $"| {op.Service} | {op.Kind} | {op.Count:N0} | {op.Count / (double)row.Size:0.000} | {op.Errors:N0} | {string.Join("; ", notes)} |"));
        }

        if (run.ByQueue.Count > 0)
        {
            Line(md);
            Line(md, "Run phase, by queue:");
            Line(md);
            Line(md, "| Queue | Put | Get (empty) | Messages received | Delete | Update | Other |");
            Line(md, "|---|---:|---:|---:|---:|---:|---:|");
            foreach (var q in run.ByQueue)
            {
                Line(md, string.Create(Invariant, $"| {q.Queue} | {q.Puts:N0} | {q.Gets:N0} ({q.EmptyGets:N0}) | {q.MessagesReceived:N0} | {q.Deletes:N0} | {q.Updates:N0} | {q.Other:N0} |"));
            }
        }

        Line(md);
    }

    private static string Counts(IReadOnlyDictionary<string, int> counts)
        => counts.Values.All(v => v == 0) ? "none" : string.Join(", ", counts.Where(c => c.Value > 0).Select(c => $"{c.Key}: {c.Value:N0}"));

    private static string Verdict(bool met) => met ? "met" : "**not met**";

    private static string Rate(double perSecond) => perSecond.ToString("0.0", Invariant);

    private static string Ratio(double ratio) => ratio.ToString("0.00", Invariant) + "x";

    private static string Mem(long? bytes) => bytes is { } b ? (b / Mb).ToString("0", Invariant) : "n/a";

    private static void Line(StringBuilder md, string text = "") => md.Append(text).Append('\n');
}
