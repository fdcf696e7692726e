using System.Diagnostics;
using System.Text.Json.Nodes;

namespace TracktileFunctions.LoadDriver.Child;

/// <summary>
/// Samples this process's memory every 100 ms: the GC heap after the last collection
/// (<see cref="GCMemoryInfo.HeapSizeBytes"/>), the managed memory in use including garbage not yet collected
/// (<see cref="GC.GetTotalMemory(bool)"/>) and the working set. The peak working set itself is the kernel's high-water
/// mark (<see cref="Process.PeakWorkingSet64"/>, VmHWM on Linux), so no sample can miss it.
/// </summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _heapAfterGcPeak;
    private long _managedPeak;
    private long _workingSetPeakSampled;

    public MemorySampler() => _loop = LoopAsync(_stop.Token);

    public JsonObject Report()
    {
        Sample();
        using var process = Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo();
        return new JsonObject
        {
            ["peakWorkingSetBytes"] = process.PeakWorkingSet64,
            ["workingSetBytes"] = process.WorkingSet64,
            ["workingSetPeakSampledBytes"] = Interlocked.Read(ref _workingSetPeakSampled),
            ["gcHeapAfterGcPeakBytes"] = Interlocked.Read(ref _heapAfterGcPeak),
            ["gcManagedInUsePeakBytes"] = Interlocked.Read(ref _managedPeak),
            ["gcCommittedBytes"] = gc.TotalCommittedBytes,
            ["gcAllocatedBytes"] = GC.GetTotalAllocatedBytes(precise: false),
            ["gcCollections"] = new JsonArray(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)),
            ["gcServer"] = System.Runtime.GCSettings.IsServerGC,
            ["gcConcurrent"] = gc.Concurrent,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            Sample();
        }
    }

    private void Sample()
    {
        Max(ref _heapAfterGcPeak, GC.GetGCMemoryInfo().HeapSizeBytes);
        Max(ref _managedPeak, GC.GetTotalMemory(forceFullCollection: false));
        Max(ref _workingSetPeakSampled, Environment.WorkingSet);
    }

    private static void Max(ref long location, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref location)))
        {
            if (Interlocked.CompareExchange(ref location, value, current) == current)
            {
                return;
            }
        }
    }
}
