using System.Diagnostics;

namespace TracktileFunctions.LoadDriver.Events;

/// <summary>What one run of calls took: the whole (wall clock), each call (median, 99th percentile, longest) and this process's CPU.</summary>
internal sealed record CallerResult(int Events, double Seconds, double P50Ms, double P99Ms, double MaxMs, double CpuMs)
{
    public double EventsPerSecond => Events / Seconds;
}

/// <summary>
/// Makes <c>count</c> calls with <c>callers</c> concurrent callers: each caller takes the next index as soon as its
/// previous call returned, so exactly <c>callers</c> calls are in flight until the last ones.
/// </summary>
internal static class Callers
{
    public static async Task<CallerResult> RunAsync(int count, int callers, Func<int, Task> call)
    {
        var latencies = new double[count];
        var next = -1;
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Math.Max(1, Math.Min(callers, count))).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                var started = Stopwatch.GetTimestamp();
                await call(i).ConfigureAwait(false);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }))).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return new CallerResult(count, seconds, Percentile(latencies, 0.5), Percentile(latencies, 0.99), latencies.LastOrDefault(), (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds);
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
