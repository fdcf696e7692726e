using TracktileFunctions.LoadDriver.Parent;
using TracktileFunctions.LoadDriver.Report;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>Everything one <c>events</c> run measured, as written to the .json file.</summary>
internal sealed record EventsReport(
    EventsPlan Plan, MachineInfo Machine, DateTimeOffset StartedAt, DateTimeOffset EndedAt, string LoadAverageAtEnd, IngestOutcome? Ingest, EndToEndOutcome? EndToEnd);

/// <summary>One contender at one number of callers, over all rounds.</summary>
/// <param name="RatioToRaw">Its events/s over the raw baseline's at the same callers (1 for the baseline).</param>
/// <param name="RoundRatios">The same ratio round by round (each round runs every contender once, back to back).</param>
/// <param name="BestRatio">Its fastest run's events/s over the baseline's fastest run's: other load only ever slows a run down, so the fastest run of each is the least disturbed.</param>
/// <param name="StalledRuns">Runs in which one call took over <see cref="StalledCallMs"/> (Azurite left a request unanswered until the client's time-out).</param>
internal sealed record IngestRate(
    int Callers, string Contender, int Events, double Seconds, double EventsPerSecond, double RatioToRaw, IReadOnlyList<double> RoundRatios,
    double P50Ms, double P99Ms, double CpuMsPerEvent, int StalledRuns, double BestRatio)
{
    public const double StalledCallMs = 5000;

    /// <summary>The median of <see cref="RoundRatios"/>: what the verdict is taken from, as a drift or one stalled run moves it least.</summary>
    public double MedianRoundRatio
    {
        get
        {
            var sorted = RoundRatios.Order().ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        }
    }
}

/// <summary>The storage requests of one counted run, over its events.</summary>
internal sealed record CountedIngest(string Contender, int Events, long Operations, IReadOnlyList<OperationRow> ByOperation);

/// <summary>The ingest scenario's figures.</summary>
/// <param name="MeasuredSeconds">From <c>go</c> to the end of the measured runs (warm-up included).</param>
internal sealed record IngestOutcome(
    IReadOnlyList<IngestRun> Runs, IReadOnlyList<IngestRate> Rates, IReadOnlyList<CountedIngest> Counted,
    double MeasuredSeconds, double ChildCpuSeconds, double? AzuriteCpuSeconds, MemoryFigures? Memory, string? Error = null)
{
    public static IngestOutcome Failed(string error) => new([], [], [], 0, 0, null, null, error);

    /// <summary>The raw baseline's events/s at <paramref name="callers"/>, if measured.</summary>
    public double? RawRate(int callers) => Rates.FirstOrDefault(r => r.Callers == callers && r.Contender == IngestChild.Raw)?.EventsPerSecond;
}

/// <summary>Storage requests while nothing happens: the queue extension's polling of empty queues, and anything periodic.</summary>
internal sealed record IdleOutcome(double Seconds, long Operations, IReadOnlyList<OperationRow> ByOperation);

/// <summary>One end-to-end phase (only <see cref="Name"/>, <see cref="Events"/> and <see cref="Error"/> when it failed).</summary>
/// <param name="Seconds">From the first webhook sent to the last effect recorded in the sandbox's ERP.</param>
/// <param name="PostSeconds">How long sending the webhooks took (all answered 200).</param>
/// <param name="DrainedSeconds">From the first webhook until every effect was there and the queues were seen drained (with a grace period).</param>
/// <param name="Cpu">CPU seconds until drained: the app's process, the driver's (sandbox, proxy, checks), Azurite's.</param>
/// <param name="Operations">Storage requests from the first webhook until drained (idle polling included, nothing subtracted).</param>
/// <param name="EmptyDequeues">Of <paramref name="Operations"/>, the dequeues that found nothing (polling).</param>
/// <param name="OperationsAfterLastEffect">Of <paramref name="Operations"/>, those after the last effect (draining, polling).</param>
internal sealed record PhaseOutcome(
    string Name, int Events, double Seconds = 0, double PostSeconds = 0, double DrainedSeconds = 0, int Effects = 0, int ErpCalls = 0, int TracktileCalls = 0,
    IReadOnlyDictionary<string, int>? Poison = null, CpuSeconds? Cpu = null,
    long Operations = 0, long EmptyDequeues = 0, long OperationsAfterLastEffect = 0, IReadOnlyList<OperationRow>? ByOperation = null, string? Error = null)
{
    public double EventsPerSecond => Events / Seconds;
}

/// <summary>CPU seconds of the app's process, the driver's (sandbox, proxy, checks) and Azurite's.</summary>
internal sealed record CpuSeconds(double App, double Driver, double? Azurite);

/// <summary>The end-to-end scenario's figures.</summary>
/// <param name="WarmUp">The untimed warm-up phase (null with <c>--e2e-warmup 0</c>).</param>
/// <param name="BoundPerSecond">The slower of the raw queue's events/s (ingest, same callers) and the target's cap / latency.</param>
internal sealed record EndToEndOutcome(
    double BoundPerSecond, string BoundBy, PhaseOutcome? WarmUp = null, IdleOutcome? Idle = null, IReadOnlyList<PhaseOutcome>? Phases = null,
    IReadOnlyList<string>? Functions = null, MemoryFigures? Memory = null, string? Error = null);
