using System.Globalization;
using System.Text.Json;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.LoadDriver.Parent;
using TracktileFunctions.LoadDriver.Report;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>
/// <c>events</c> (issue 16): ingest against raw queue puts, then webhook to ERP effect against its bound, with the
/// storage operations per event kind; the results on stdout and in LoadDriverResults/events-*.md and .json.
/// </summary>
internal static class EventsCommand
{
    public const string Name = "events";

    public static async Task<int> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var plan = EventsPlan.Parse(arguments, Path.Combine(RepositoryPaths.Root, "tests", "TracktileFunctions.LoadDriver", "LoadDriverResults"));
        var machine = MachineInfo.Read(RepositoryPaths.Root);
        var startedAt = DateTimeOffset.UtcNow;
        Console.Error.WriteLine($"Load driver, events: {plan.Latency.TotalMilliseconds:0.#} ms per call, cap {plan.Cap} (bound {plan.BoundPerSecond:0} events/s); {machine.Cores} cores, load {machine.LoadAverage}; code {machine.Code}");
        var ingest = plan.SkipIngest ? null : await EventsScenarios.RunIngestAsync(plan, cancellationToken).ConfigureAwait(false);
        var e2e = plan.SkipEndToEnd ? null : await EventsScenarios.RunEndToEndAsync(plan, ingest, cancellationToken).ConfigureAwait(false);

        var report = new EventsReport(plan, machine, startedAt, DateTimeOffset.UtcNow, MachineInfo.LoadAverageNow(), ingest, e2e);
        var markdown = EventsMarkdown.Build(report);
        var stem = Path.Combine(plan.OutputDirectory, "events-" + startedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(plan.OutputDirectory);
        foreach (var (extension, text) in new[] { (".md", markdown), (".json", JsonSerializer.Serialize(report, ReportJson.Options)) })
        {
            await File.WriteAllTextAsync(stem + extension, text, CancellationToken.None).ConfigureAwait(false);
        }

        Console.Out.Write(markdown);
        Console.Error.WriteLine($"Written: {stem}.md and .json");
        var failed = ingest?.Error is not null || e2e?.Error is not null || e2e?.Phases?.Any(p => p.Error is not null) == true;
        return failed ? 1 : 0;
    }
}
