using TracktileFunctions.Operations;

namespace TracktileFunctions.UnitTests.Operations;

public sealed class ActivitySummaryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Merge_TwoInstances_SumsCountsAndTakesTheLatestTimes()
    {
        var a = new ActivitySummary(T0, T0.AddMinutes(5), "500", new Dictionary<string, long> { ["ok"] = 3, ["500"] = 1 });
        var b = new ActivitySummary(T0.AddMinutes(2), T0.AddMinutes(1), "429", new Dictionary<string, long> { ["ok"] = 1, ["429"] = 2 });

        var merged = a.Merge(b);

        Assert.Equal(new Dictionary<string, long> { ["ok"] = 4, ["500"] = 1, ["429"] = 2 }, merged.Counts);
        Assert.Equal((T0.AddMinutes(2), T0.AddMinutes(5), "500"), (merged.LastSuccessAt, merged.LastFailureAt, merged.LastFailure));
        Assert.Equal(merged.Counts, b.Merge(a).Counts);
        Assert.Equal(merged.LastFailure, b.Merge(a).LastFailure);
    }

    [Fact]
    public void Merge_OneNeverFailed_KeepsTheOthersFailure()
    {
        var failed = new ActivitySummary(null, T0, "timeout", new Dictionary<string, long> { ["timeout"] = 1 });
        var fine = new ActivitySummary(T0, null, null, new Dictionary<string, long> { ["ok"] = 1 });

        Assert.Equal("timeout", fine.Merge(failed).LastFailure);
        Assert.Equal("timeout", failed.Merge(fine).LastFailure);
    }
}
