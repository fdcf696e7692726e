using System.Text.Json;
using BenchmarkDotNet.Attributes;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.Benchmarks;

/// <summary>
/// <see cref="EventMessageCodec.EncodeInline"/> (the payload copied as raw JSON) against serializing an equivalent
/// record whose payload is a <see cref="JsonElement"/> parsed from the body.
/// </summary>
[MemoryDiagnoser]
public class MessageEncodingBenchmarks
{
    private const string Source = "tracktile";

    private static readonly JsonSerializerOptions SerializerOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private static readonly DateTimeOffset ReceivedAt = new(2024, 1, 15, 9, 0, 3, TimeSpan.Zero);

    private byte[] _payload = null!;
    private EventEnvelope _envelope;
    private JsonElement _parsedPayload;

    /// <summary>The size of the event body carried inline.</summary>
    [Params(1024, 40 * 1024)]
    public int PayloadBytes { get; set; }

    /// <summary>Builds the payload and checks all three encodings decode to the same message.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _payload = BenchmarkData.CreateEvent(PayloadBytes);
        if (EventEnvelope.TryParse(_payload, "id", "kind", "time", out _envelope) is { } invalid)
        {
            throw new InvalidOperationException(invalid);
        }

        _parsedPayload = JsonSerializer.Deserialize<JsonElement>(_payload);

        var expected = EventMessageCodec.Decode(Text(EncodeInline()));
        using var payload = JsonDocument.Parse(_payload);
        if (!JsonElement.DeepEquals(expected.Payload!.Value, payload.RootElement))
        {
            throw new InvalidOperationException("EncodeInline changed the payload.");
        }

        foreach (var other in new[] { NaiveParseAndSerialize(), NaiveSerializeOnly() })
        {
            var decoded = EventMessageCodec.Decode(Text(other));
            if (decoded with { Payload = null } != expected with { Payload = null }
                || !JsonElement.DeepEquals(decoded.Payload!.Value, expected.Payload.Value))
            {
                throw new InvalidOperationException("The naive encodings differ from EncodeInline's message.");
            }
        }

        static string Text(ReadOnlyMemory<byte> message) => System.Text.Encoding.UTF8.GetString(message.Span);
    }

    /// <summary>The naive encoder: parse the body into a <see cref="JsonElement"/>, then serialize a record holding it.</summary>
    [Benchmark(Baseline = true)]
    public byte[] NaiveParseAndSerialize()
    {
        var payload = JsonSerializer.Deserialize<JsonElement>(_payload);
        return JsonSerializer.SerializeToUtf8Bytes(
            new NaiveEventMessage(Source, _envelope.Id, _envelope.Kind, _envelope.Time, ReceivedAt, payload), SerializerOptions);
    }

    /// <summary>The naive encoder's serialization alone, with the payload parsed beforehand (outside the measurement).</summary>
    [Benchmark]
    public byte[] NaiveSerializeOnly()
        => JsonSerializer.SerializeToUtf8Bytes(
            new NaiveEventMessage(Source, _envelope.Id, _envelope.Kind, _envelope.Time, ReceivedAt, _parsedPayload), SerializerOptions);

    /// <summary>The production encoder.</summary>
    [Benchmark]
    public ReadOnlyMemory<byte> EncodeInline() => EventMessageCodec.EncodeInline(Source, _envelope, ReceivedAt, _payload);

    /// <summary>The record a naive implementation would serialize; same JSON shape as the codec's inline message.</summary>
    public sealed record NaiveEventMessage(
        string Source, string EventId, string Kind, DateTimeOffset? EventTime, DateTimeOffset ReceivedAt, JsonElement Payload);
}
