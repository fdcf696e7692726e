using System.Globalization;
using System.Text.Json;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.LoadDriver.Report;

namespace TracktileFunctions.LoadDriver.Parent;

/// <summary>
/// <c>products</c>: for each size, the seed's sequential loop, the app's product batch, then the hand-off (the batch
/// alone against raw enqueue of its messages), each in a process of its own against a fresh sandbox; then the tables,
/// on stdout and in a file.
/// </summary>
internal static class ProductsCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var outputDirectory = Path.Combine(RepositoryPaths.Root, "tests", "TracktileFunctions.LoadDriver", "LoadDriverResults");
        var plan = RunPlan.Parse(arguments, outputDirectory);
        var machine = MachineInfo.Read(RepositoryPaths.Root);
        var startedAt = DateTimeOffset.UtcNow;
        Console.Error.WriteLine(
            $"Load driver: sizes {string.Join(", ", plan.Sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))}; " +
            $"{plan.Latency.TotalMilliseconds:0.#} ms per call, ERP cap {plan.Cap} (bound {plan.BoundPerSecond:0} products/s); " +
            $"{machine.Cores} cores, load {machine.LoadAverage}; code {machine.Code}");

        var rows = new List<SizeResult>();
        foreach (var size in plan.Sizes)
        {
            var seed = plan.SkipSeed ? null : await Scenarios.RunSeedAsync(plan, size, cancellationToken).ConfigureAwait(false);
            var app = plan.SkipApp ? null : await Scenarios.RunAppAsync(plan, size, cancellationToken).ConfigureAwait(false);
            var handOff = plan.SkipHandOff ? null : await HandOffScenario.RunAsync(plan, size, cancellationToken).ConfigureAwait(false);
            rows.Add(new SizeResult(size, seed, app, handOff));
        }

        var report = new RunReport(plan, machine, startedAt, DateTimeOffset.UtcNow, MachineInfo.LoadAverageNow(), rows);
        var markdown = MarkdownReport.Build(report);
        Directory.CreateDirectory(plan.OutputDirectory);
        var stem = Path.Combine(plan.OutputDirectory, "products-" + startedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        await File.WriteAllTextAsync(stem + ".md", markdown, CancellationToken.None).ConfigureAwait(false);
        await File.WriteAllTextAsync(stem + ".json", JsonSerializer.Serialize(report, ReportJson.Options), CancellationToken.None).ConfigureAwait(false);
        Console.Out.Write(markdown);
        Console.Error.WriteLine($"Written: {stem}.md (and .json with every figure)");
        return rows.Any(r => r.Seed?.Error is not null || r.App?.Error is not null || r.HandOff?.Error is not null) ? 1 : 0;
    }
}
