using System.Text;
using TracktileFunctions.LoadDriver.Parent;

namespace TracktileFunctions.LoadDriver.Report;

/// <summary>The hand-off's table, issue 16's targets and the hand-off's details of each size.</summary>
internal static partial class MarkdownReport
{
    private const double Kb = 1024;

    private static void HandOffTable(StringBuilder md, RunReport report)
    {
        var rows = report.Results.Where(r => r.HandOff is not null).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        var plan = report.Plan;
        Line(md, string.Create(Invariant,
            $"**Hand-off**: the batch's own side, `RunAsync` reading Tracktile's pages and enqueueing the product pages, from the run's start until it returned, with no queue function running and the sandbox at {plan.HandOffLatency.TotalMilliseconds:0.#} ms; " +
            $"against **raw enqueue**: `QueueClient.SendMessageAsync` of the very messages the batch enqueued, {plan.HandOffConcurrency} at once as the batch (`ProductSync:MaxConcurrentHandOffs`), the app's queue client, the same Azurite through the same proxy, in a process of its own."));
        Line(md);
        Line(md, $"| Products | Messages (KB each) | Hand-off (messages/s) | Raw enqueue (messages/s) | Hand-off / raw | Hand-off (products/s) | Pages read alone (s) | Hand-off / max(read alone, raw) | Full run: hand-off with {plan.Latency.TotalMilliseconds:0.#} ms reads (products/s) | Full run: pages x latency (s) |");
        Line(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var h = row.HandOff!;
            var app = row.App is { Error: null } a ? a : null;
            var full = app is null ? "| |" : string.Create(Invariant, $"| {Rate(row.Size / app.BatchSeconds)} | {app.TracktilePages * plan.Latency.TotalSeconds:0.0} |");
            Line(md, h.Error is not null
                ? $"| {row.Size:N0} | failed | | | | | | | {full}"
                : string.Create(Invariant,
                    $"| {row.Size:N0} | {h.Messages:N0} ({h.MessageBytes / Kb / Math.Max(1, h.Messages):0.0}) | {h.BatchMessagesPerSecond:0} | {h.RawMessagesPerSecond:0} | {Ratio(h.Ratio)} | {Rate(row.Size / h.BatchSeconds)} | {h.ReadAloneSeconds:0.00} | {(h.RatioToReadOrRaw is { } bound ? Ratio(bound) : "")} {full}"));
        }

        Line(md);
        Line(md, "**Pages read alone**: every product page read one after the other by a plain HttpClient, nothing enqueued (the batch has to read them too; it enqueues while it reads). " +
                 "**Hand-off / max(read alone, raw)**: against the fastest hand-off that reads the pages too, its reads and enqueues overlapped perfectly. " +
                 "**Full run**: the batch in the app scenario above (reads at the full latency, the queue function running beside it); pages x latency is the least its sequential reads can take.");
        Line(md);
    }

    private static void Issue16Targets(StringBuilder md, RunReport report)
    {
        Line(md, "Issue 16:");
        Line(md);
        var both = report.Results.Where(r => r.App is { Error: null } && r.Seed is { Error: null }).ToList();
        Line(md, both.Count == 0
            ? "- App at least 20x the seed loop: not measured (needs both at one size)."
            : $"- App at least 20x the seed loop: {string.Join("; ", both.Select(r => string.Create(Invariant, $"{r.Size:N0}: {Ratio(r.App!.ProductsPerSecond / r.Seed!.ProductsPerSecond)}")))}: " +
              $"{Verdict(both.All(r => r.App!.ProductsPerSecond >= 20 * r.Seed!.ProductsPerSecond))}.");
        var handOffs = report.Results.Select(r => r.HandOff).OfType<HandOffOutcome>().Where(h => h.Error is null).ToList();
        Line(md, handOffs.Count == 0
            ? "- Hand-off at least 0.8x raw enqueue: not measured."
            : $"- Hand-off at least 0.8x raw enqueue: {string.Join("; ", handOffs.Select(h => string.Create(Invariant, $"{h.Size:N0}: {Ratio(h.Ratio)}")))}: {Verdict(handOffs.All(h => h.Ratio >= 0.8))} " +
              $"(against the longer of the pages read alone and raw enqueue: {string.Join("; ", handOffs.Select(h => string.Create(Invariant, $"{h.Size:N0}: {(h.RatioToReadOrRaw is { } b ? Ratio(b) : "n/a")}")))}).");
        MemoryTarget(md, [.. report.Results.Where(r => r.App is { Error: null }).Select(r => r.App!)]);
        Line(md);
    }

    private static void MemoryTarget(StringBuilder md, List<AppOutcome> apps)
    {
        var big = apps.FirstOrDefault(a => a.Size == 100_000)?.Memory;
        var ten = apps.FirstOrDefault(a => a.Size == 10_000)?.Memory;
        Line(md, big is null || ten is null
            ? "- Peak memory at 100,000 within 1.2x of 10,000 (issues 16 and 17): not measured (needs both sizes)."
            : $"- Peak memory at 100,000 within 1.2x of 10,000 (issues 16 and 17): {Ratio(big.PeakWorkingSetBytes / (double)ten.PeakWorkingSetBytes)} (working set; GC heap peak {Ratio(big.GcHeapAfterGcPeakBytes / (double)ten.GcHeapAfterGcPeakBytes)}): " +
              $"{Verdict(big.PeakWorkingSetBytes <= 1.2 * ten.PeakWorkingSetBytes)}.");
        if (apps.Count >= 2 && apps.All(a => a.Memory is not null))
        {
            var (small, large) = (apps.MinBy(a => a.Size)!, apps.MaxBy(a => a.Size)!);
            Line(md, string.Create(Invariant, $"  - Of this run's sizes: peak working set at {large.Size:N0} over {small.Size:N0}: {Ratio(large.Memory!.PeakWorkingSetBytes / (double)small.Memory!.PeakWorkingSetBytes)}; GC heap peak: {Ratio(large.Memory.GcHeapAfterGcPeakBytes / (double)small.Memory.GcHeapAfterGcPeakBytes)}."));
        }
    }

    private static void HandOffDetails(StringBuilder md, SizeResult row)
    {
        if (row.HandOff is not { } h)
        {
            return;
        }

        Line(md, "### Hand-off");
        Line(md);
        if (h.Error is not null)
        {
            Line(md, $"**Hand-off failed**: {h.Error}");
            Line(md);
            return;
        }

        Line(md, string.Create(Invariant,
            $"- The batch alone (sandbox at {h.LatencyMs:0.#} ms, no queue function): {h.TracktilePages:N0} product pages read a round, {h.Messages:N0} messages ({h.MessageBytes / Kb / Math.Max(1, h.Messages):0.0} KB each before base64) enqueued, " +
            $"returned after {h.BatchSeconds:0.00} s = **{h.BatchMessagesPerSecond:0} messages/s** ({Rate(row.Size / h.BatchSeconds)} products/s): `{h.BatchResult?.ToJsonString(Readable)}`."));
        Line(md, string.Create(Invariant,
            $"- Raw enqueue of the same {h.Messages:N0} messages, {h.Concurrency} at once: {h.RawSeconds:0.00} s = **{h.RawMessagesPerSecond:0} messages/s**. Hand-off / raw: **{Ratio(h.Ratio)}**."));
        Line(md, string.Create(Invariant,
            $"- Each process ran {h.BatchRoundSeconds.Count} rounds, alternating batch and raw enqueue, the queues emptied after each; the figures are the median of the rounds after the first. " +
            $"Every round: the batch {HandOffScenario.Join(h.BatchRoundSeconds)} s; raw enqueue {HandOffScenario.Join(h.RawRoundSeconds)} s (the first, in a fresh process, is mostly the JIT's)."));
        if (h.ReadAloneSeconds is { } read)
        {
            Line(md, string.Create(Invariant,
                $"- The pages read alone, one after the other: {read:0.00} s ({read / h.BatchSeconds * 100:0} % of the hand-off's time; the hand-off can be no shorter than the longer of this and the raw enqueue, {Math.Max(read, h.RawSeconds):0.00} s)."));
        }

        Line(md, string.Create(Invariant,
            $"- CPU in the hand-off's window: the batch's process {h.BatchAppCpuSeconds:0.00} s, the driver (sandbox, proxy) {h.BatchDriverCpuSeconds:0.00} s, Azurite {Seconds(h.BatchAzuriteCpuSeconds)} s; " +
            $"in the raw enqueue's: its process {h.RawChildCpuSeconds:0.00} s, the driver {h.RawDriverCpuSeconds:0.00} s, Azurite {Seconds(h.RawAzuriteCpuSeconds)} s."));
        foreach (var (name, phase) in new[] { ("hand-off", h.BatchStorage), ("raw enqueue", h.RawStorage) })
        {
            if (phase is not null)
            {
                Line(md, $"- Storage operations in the {name}'s window: {phase.Total:N0} ({string.Join(", ", phase.ByKind.Select(k => $"{k.Service.ToLowerInvariant()} {k.Kind} {k.Count:N0}"))}).");
            }
        }

        Line(md);
    }

    private static string Seconds(double? seconds) => seconds is { } s ? s.ToString("0.00", Invariant) : "n/a";
}
