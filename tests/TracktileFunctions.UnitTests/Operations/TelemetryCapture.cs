using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using TracktileFunctions.Operations;

// Not ...UnitTests.Operations: that namespace would hide TracktileFunctions.Operations from the other test folders (Operations.X).
namespace TracktileFunctions.UnitTests.Telemetry;

/// <summary>
/// What the app's meter and activity source recorded in the test that created this capture. Listeners are process-wide
/// and test classes run in parallel: only what is recorded in this test's own async flow is kept.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private static readonly AsyncLocal<TelemetryCapture?> Owner = new();

    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;

    /// <summary>Starts capturing; create it in the test method itself (the async flow it owns starts there).</summary>
    public TelemetryCapture()
    {
        Owner.Value = this;
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AppTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _meters.Start();
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AppTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (ReferenceEquals(Owner.Value, this))
                {
                    Activities.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_activities);
    }

    /// <summary>The measurements: instrument name, value, tags.</summary>
    public ConcurrentQueue<(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)> Measurements { get; } = new();

    /// <summary>The app's spans that ended.</summary>
    public ConcurrentQueue<Activity> Activities { get; } = new();

    /// <summary>The measurements of <paramref name="instrument"/>.</summary>
    public IReadOnlyList<(double Value, IReadOnlyDictionary<string, object?> Tags)> Of(string instrument)
        => [.. Measurements.Where(m => m.Instrument == instrument).Select(m => (m.Value, m.Tags))];

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (ReferenceEquals(Owner.Value, this))
        {
            Measurements.Enqueue((instrument.Name, value, new Dictionary<string, object?>(tags.ToArray(), StringComparer.Ordinal)));
        }
    }

    public void Dispose()
    {
        _meters.Dispose();
        _activities.Dispose();
        Owner.Value = null;
    }
}
