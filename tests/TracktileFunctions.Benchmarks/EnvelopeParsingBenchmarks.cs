using System.Text.Json;
using BenchmarkDotNet.Attributes;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.Benchmarks;

/// <summary>
/// <see cref="EventEnvelope.TryParse"/> (a forward-only reader that skips nested values) against building a
/// <see cref="JsonDocument"/> and reading the three properties from it.
/// </summary>
[MemoryDiagnoser]
public class EnvelopeParsingBenchmarks
{
    private byte[] _json = null!;

    /// <summary>Which event body is parsed.</summary>
    public enum EventBody
    {
        /// <summary>tests/Fixtures/events/inventory.received.json as documented.</summary>
        Fixture,

        /// <summary>The fixture with a padding array of entity-like objects, 40 KiB in all.</summary>
        Padded40KiB,
    }

    /// <summary>Which event body is parsed.</summary>
    [Params(EventBody.Fixture, EventBody.Padded40KiB)]
    public EventBody Body { get; set; }

    /// <summary>Loads the body and checks both implementations read the same envelope from it.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _json = Body == EventBody.Fixture ? BenchmarkData.InventoryReceived : BenchmarkData.CreateEvent(40 * 1024);

        var expected = new EventEnvelope("evt_inv_001", "inventory.received", new DateTimeOffset(2024, 1, 15, 9, 0, 0, TimeSpan.Zero));
        var fromDocument = JsonDocumentRead();
        var fromReader = TryParse();
        if (fromDocument != expected || fromReader != expected)
        {
            throw new InvalidOperationException($"Expected {expected}, read {fromDocument} and {fromReader}.");
        }
    }

    /// <summary>The usual approach: parse the whole body into a DOM, then read the properties.</summary>
    [Benchmark(Baseline = true)]
    public EventEnvelope JsonDocumentRead()
    {
        using var document = JsonDocument.Parse(_json);
        var root = document.RootElement;
        var id = root.GetProperty("id").GetString()!;
        var kind = root.GetProperty("kind").GetString()!;
        DateTimeOffset? time = root.TryGetProperty("time", out var t) ? t.GetDateTimeOffset() : null;
        return new EventEnvelope(id, kind, time);
    }

    /// <summary>The production parser.</summary>
    [Benchmark]
    public EventEnvelope TryParse()
    {
        var invalid = EventEnvelope.TryParse(_json, "id", "kind", "time", out var envelope);
        return invalid is null ? envelope : throw new InvalidOperationException(invalid);
    }
}
