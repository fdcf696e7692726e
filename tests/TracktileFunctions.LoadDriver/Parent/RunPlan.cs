using System.Globalization;
using System.Text.Json.Nodes;
using SandboxPagination = TracktileFunctions.Sandbox.Tracktile.ProductPagination;

namespace TracktileFunctions.LoadDriver.Parent;

/// <summary>The <c>products</c> command's options, resolved: the app settings in force and what follows from them.</summary>
internal sealed class RunPlan
{
    public const string CapSetting = "Erp:Resilience:MaxConcurrency";
    public const string PaginationSetting = "Tracktile:Api:Products:Pagination";
    public const string PageSizeSetting = "Tracktile:Api:Products:PageSize";
    public const string DefaultFunction = "ProductUpsertFunction";
    public const string HandOffConcurrencySetting = "ProductSync:MaxConcurrentHandOffs";

    public required IReadOnlyList<int> Sizes { get; init; }

    public required TimeSpan Latency { get; init; }

    /// <summary>The ERP concurrency cap in force (<see cref="CapSetting"/>).</summary>
    public required int Cap { get; init; }

    public int? SeedMax { get; init; }

    /// <summary>Every setting given to the app (and read by the seed loop): the driver's defaults, then <c>--set</c>.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; }

    public required SandboxPagination Pagination { get; init; }

    public required int PageSize { get; init; }

    public required IReadOnlyList<string> Functions { get; init; }

    public TimeSpan? Timeout { get; init; }

    public required TimeSpan Stall { get; init; }

    public required string OutputDirectory { get; init; }

    public bool NoProxy { get; init; }

    public bool SkipSeed { get; init; }

    public bool SkipApp { get; init; }

    /// <summary>Leaves out the hand-off scenario (the batch alone against raw enqueue of its messages).</summary>
    public bool SkipHandOff { get; init; }

    /// <summary>The sandbox's delay in the hand-off scenario (<c>--handoff-latency-ms</c>): 0, Tracktile's reads off.</summary>
    public required TimeSpan HandOffLatency { get; init; }

    /// <summary>Rounds of the hand-off scenario (<c>--handoff-rounds</c>, 3): the median of those after the first is the figure; the first, a fresh process's, is shown.</summary>
    public required int HandOffRounds { get; init; }

    /// <summary>Pages the batch enqueues at once (<see cref="HandOffConcurrencySetting"/>, 8): the raw enqueue's concurrency too.</summary>
    public required int HandOffConcurrency { get; init; }

    public required string LogLevel { get; init; }

    /// <summary>The environment of the child processes: the app's own GC settings (from its runtimeconfig.json).</summary>
    public required IReadOnlyDictionary<string, string> ChildEnvironment { get; init; }

    /// <summary>The ERP-side bound: at most <see cref="Cap"/> calls in flight, each taking at least the latency.</summary>
    public double BoundPerSecond => Latency > TimeSpan.Zero ? Cap / Latency.TotalSeconds : double.PositiveInfinity;

    /// <summary>How long one scenario may take: <c>--timeout-s</c>, else 2 minutes plus 50 ms per product (a floor of 20 products/s).</summary>
    public TimeSpan TimeoutFor(int products) => Timeout ?? TimeSpan.FromMinutes(2) + TimeSpan.FromMilliseconds(50.0 * products);

    public static RunPlan Parse(IReadOnlyList<string> arguments, string defaultOutputDirectory)
    {
        var args = new ArgumentReader(arguments, new HashSet<string>(["--no-proxy", "--skip-seed", "--skip-app", "--skip-handoff"], StringComparer.Ordinal));
        var sizes = (args.Optional("--sizes") ?? throw new UsageException("--sizes is required, e.g. --sizes 1000,10000,100000"))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new UsageException($"--sizes takes positive whole numbers separated by commas, not '{s}'"))
            .ToList();
        if (sizes.Count == 0)
        {
            throw new UsageException("--sizes names no size");
        }

        var latency = TimeSpan.FromMilliseconds(args.OptionalDouble("--latency-ms", 0) ?? 20);
        var cap = args.OptionalInt("--cap", 1);
        var pagination = args.Optional("--pagination");
        var user = args.Settings();
        var settings = new List<KeyValuePair<string, string>>();
        AddDefault(settings, user, CapSetting, cap?.ToString(CultureInfo.InvariantCulture), "8", "--cap");
        AddDefault(settings, user, PaginationSetting, pagination, nameof(SandboxPagination.OffsetEnvelope), "--pagination");
        settings.AddRange(user);
        var effective = settings.GroupBy(s => s.Key, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.OrdinalIgnoreCase);

        var plan = new RunPlan
        {
            Sizes = sizes,
            Latency = latency,
            Cap = IntSetting(effective, CapSetting, 8, int.MaxValue, ""),
            SeedMax = args.OptionalInt("--seed-max", 1),
            Settings = settings,
            Pagination = Enum.TryParse<SandboxPagination>(effective[PaginationSetting], ignoreCase: true, out var p) && Enum.IsDefined(p)
                ? p
                : throw new UsageException($"{PaginationSetting} must be BareArray, OffsetEnvelope or CursorEnvelope, not '{effective[PaginationSetting]}'"),
            PageSize = IntSetting(effective, PageSizeSetting, 100, 1000, " here (the sandbox's largest page)"),
            Functions = args.Optional("--functions")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } names
                ? names
                : [DefaultFunction],
            Timeout = args.OptionalDouble("--timeout-s", 1) is { } t ? TimeSpan.FromSeconds(t) : null,
            Stall = TimeSpan.FromSeconds(args.OptionalDouble("--stall-s", 5) ?? 60),
            OutputDirectory = Path.GetFullPath(args.Optional("--out") ?? defaultOutputDirectory),
            NoProxy = args.Flag("--no-proxy"),
            SkipSeed = args.Flag("--skip-seed"),
            SkipApp = args.Flag("--skip-app"),
            SkipHandOff = args.Flag("--skip-handoff"),
            HandOffRounds = args.OptionalInt("--handoff-rounds", 1) ?? 3,
            HandOffLatency = TimeSpan.FromMilliseconds(args.OptionalDouble("--handoff-latency-ms", 0) ?? 0),
            HandOffConcurrency = IntSetting(effective, HandOffConcurrencySetting, 8, 256, ""),
            LogLevel = args.Optional("--log-level") ?? "Warning",
            ChildEnvironment = AppGcEnvironment(),
        };
        args.EnsureAllRead();
        if (!Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(plan.LogLevel, ignoreCase: true, out _))
        {
            throw new UsageException($"--log-level must be Trace, Debug, Information, Warning, Error or Critical, not '{plan.LogLevel}'");
        }

        return plan;
    }

    /// <summary>The whole-number setting <paramref name="key"/> in force, from 1 to <paramref name="max"/>; <paramref name="fallback"/> when not set.</summary>
    private static int IntSetting(Dictionary<string, string> effective, string key, int fallback, int max, string note)
        => !effective.TryGetValue(key, out var value)
            ? fallback
            : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && n <= max
                ? n
                : throw new UsageException($"{key} must be {(max == int.MaxValue ? "a positive whole number" : $"a whole number from 1 to {max}")}{note}, not '{value}'");

    /// <summary>
    /// Adds <paramref name="key"/> from its own option or its default, unless <c>--set</c> gives it; both with
    /// different values is refused rather than one silently winning.
    /// </summary>
    private static void AddDefault(List<KeyValuePair<string, string>> settings, IReadOnlyList<KeyValuePair<string, string>> user, string key, string? option, string fallback, string optionName)
    {
        var set = user.LastOrDefault(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase));
        if (set.Key is not null)
        {
            if (option is not null && !string.Equals(option, set.Value, StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException($"{optionName} {option} and --set {key}={set.Value} disagree: give one");
            }

            return;
        }

        settings.Add(new(key, option ?? fallback));
    }

    /// <summary>
    /// DOTNET_gcServer and DOTNET_gcConcurrent as the app's build sets them (its runtimeconfig.json, copied next to
    /// this driver), so the child measures the app's GC, not this console app's.
    /// </summary>
    private static Dictionary<string, string> AppGcEnvironment()
    {
        var path = Path.Combine(AppContext.BaseDirectory, Child.AppChild.FunctionsAssembly + ".runtimeconfig.json");
        var properties = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))?["runtimeOptions"]?["configProperties"] : null;
        var server = properties?["System.GC.Server"]?.GetValue<bool>() ?? false;
        var concurrent = properties?["System.GC.Concurrent"]?.GetValue<bool>() ?? true;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DOTNET_gcServer"] = server ? "1" : "0",
            ["DOTNET_gcConcurrent"] = concurrent ? "1" : "0",
        };
    }
}
