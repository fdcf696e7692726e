using System.Globalization;
using TracktileFunctions.LoadDriver.Parent;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>The <c>events</c> command's options, resolved.</summary>
internal sealed class EventsPlan
{
    public const string ErpCapSetting = "Erp:Resilience:MaxConcurrency";
    public const string TracktileCapSetting = "Tracktile:Api:Resilience:MaxConcurrency";

    /// <summary>Ingest: events per contender and number of callers, split over <see cref="Rounds"/>.</summary>
    public required int Count { get; init; }

    public required IReadOnlyList<int> Callers { get; init; }

    public required int Rounds { get; init; }

    /// <summary>Ingest: events of the counted runs (raw and app, through the proxy).</summary>
    public required int CountedEvents { get; init; }

    public bool Http { get; init; }

    public required IReadOnlyList<EventPhase> Phases { get; init; }

    /// <summary>Events of the untimed warm-up phase before the idle window and the measured phases (0: none).</summary>
    public required int WarmUpEvents { get; init; }

    public required int EndToEndCallers { get; init; }

    public required TimeSpan Latency { get; init; }

    /// <summary>The ERP's (and Tracktile API's) concurrency cap in force.</summary>
    public required int Cap { get; init; }

    /// <summary>Every setting given to the app: the driver's defaults, then <c>--set</c> (the last one wins).</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; }

    public required TimeSpan Idle { get; init; }

    public TimeSpan? Timeout { get; init; }

    public required TimeSpan Stall { get; init; }

    public required string OutputDirectory { get; init; }

    public required string LogLevel { get; init; }

    public bool SkipIngest { get; init; }

    public bool SkipEndToEnd { get; init; }

    public required IReadOnlyDictionary<string, string> ChildEnvironment { get; init; }

    /// <summary>The target's bound: at most <see cref="Cap"/> calls in flight, none shorter than the latency.</summary>
    public double BoundPerSecond => Latency > TimeSpan.Zero ? Cap / Latency.TotalSeconds : double.PositiveInfinity;

    /// <summary>How long one end-to-end phase may take: <c>--timeout-s</c>, else 2 minutes plus 200 ms per event (a floor of 5 events/s).</summary>
    public TimeSpan TimeoutFor(int events) => Timeout ?? TimeSpan.FromMinutes(2) + TimeSpan.FromMilliseconds(200.0 * events);

    public static EventsPlan Parse(IReadOnlyList<string> arguments, string defaultOutputDirectory)
    {
        var args = new ArgumentReader(arguments, new HashSet<string>(["--no-http", "--skip-ingest", "--skip-e2e"], StringComparer.Ordinal));
        var count = args.OptionalInt("--count", 1) ?? 2000;
        var cap = args.OptionalInt("--cap", 1) ?? 8;
        List<KeyValuePair<string, string>> settings =
        [
            new(ErpCapSetting, cap.ToString(CultureInfo.InvariantCulture)),
            new(TracktileCapSetting, cap.ToString(CultureInfo.InvariantCulture)),
            new(EventsApp.SecretSetting, "load-driver-webhook-secret"),
            new("Tracktile:Api:Token", "api-sandbox-token"), // SandboxOptions.TracktileToken's default
            new("Erp:Inventory:Locations:" + EventBodies.ReceivingNode, EventBodies.ReceivingLocation),
            .. args.Settings(),
        ];
        var effectiveCap = settings.Last(s => string.Equals(s.Key, ErpCapSetting, StringComparison.OrdinalIgnoreCase)).Value;
        var e2eCount = args.OptionalInt("--e2e-count", 1) ?? Math.Min(count, 1000);
        var plan = new EventsPlan
        {
            Count = count,
            Callers = Ints("--callers", args.Optional("--callers") ?? "1,16"),
            Rounds = args.OptionalInt("--rounds", 1) ?? 10,
            CountedEvents = args.OptionalInt("--counted", 1) ?? 300,
            Http = !args.Flag("--no-http"),
            Phases = [.. (args.Optional("--phases") ?? "orders,shipments,inventory,mixed").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(name => EventPhase.Parse(string.Create(CultureInfo.InvariantCulture, $"{name}:{e2eCount}")))],
            WarmUpEvents = args.OptionalInt("--e2e-warmup", 0) ?? 90,
            EndToEndCallers = args.OptionalInt("--e2e-callers", 1) ?? 16,
            Latency = TimeSpan.FromMilliseconds(args.OptionalDouble("--latency-ms", 0) ?? 20),
            Cap = int.TryParse(effectiveCap, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c > 0
                ? c
                : throw new UsageException($"{ErpCapSetting} must be a positive whole number, not '{effectiveCap}'"),
            Settings = settings,
            Idle = TimeSpan.FromSeconds(args.OptionalDouble("--idle-s", 1) ?? 10),
            Timeout = args.OptionalDouble("--timeout-s", 1) is { } t ? TimeSpan.FromSeconds(t) : null,
            Stall = TimeSpan.FromSeconds(args.OptionalDouble("--stall-s", 5) ?? 150), // above the storage SDK's 100 s network timeout (the queue extension's clients)
            OutputDirectory = Path.GetFullPath(args.Optional("--out") ?? defaultOutputDirectory),
            LogLevel = args.Optional("--log-level") ?? "Warning",
            SkipIngest = args.Flag("--skip-ingest"),
            SkipEndToEnd = args.Flag("--skip-e2e"),
            // The app's own GC settings, read from its runtimeconfig.json as the products command reads them.
            ChildEnvironment = RunPlan.Parse(["--sizes", "1"], defaultOutputDirectory).ChildEnvironment,
        };
        args.EnsureAllRead();
        if (!Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(plan.LogLevel, ignoreCase: true, out _))
        {
            throw new UsageException($"--log-level must be Trace, Debug, Information, Warning, Error or Critical, not '{plan.LogLevel}'");
        }

        return plan;
    }

    /// <summary>Positive whole numbers separated by commas.</summary>
    public static IReadOnlyList<int> Ints(string option, string text)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new UsageException($"{option} takes positive whole numbers separated by commas, not '{s}'"))
            .ToList();
        return values.Count > 0 ? values : throw new UsageException($"{option} names no number");
    }
}
