using System.Text;
using System.Text.Json;

namespace TracktileFunctions.Benchmarks;

/// <summary>The inputs the benchmarks share: the documented Tracktile fixture and event bodies of exact sizes.</summary>
internal static class BenchmarkData
{
    private const string FixtureResource = "Fixtures.inventory.received.json";

    /// <summary>tests/Fixtures/events/inventory.received.json, byte for byte (embedded in this assembly).</summary>
    public static byte[] InventoryReceived { get; } = LoadFixture();

    /// <summary>
    /// The <c>inventory.received</c> fixture with a <c>padding</c> array of compact entity-like objects and a final
    /// <c>note</c> string that makes it exactly <paramref name="size"/> bytes of valid, ASCII-only JSON.
    /// </summary>
    public static byte[] CreateEvent(int size)
    {
        const string note = "],\"note\":\"";
        const string end = "\"}";

        var fixture = Encoding.UTF8.GetString(InventoryReceived);
        var body = new StringBuilder(size);
        body.Append(fixture.AsSpan(0, fixture.LastIndexOf('}')).TrimEnd()).Append(",\"padding\":[");
        if (body.Length + note.Length + end.Length > size)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "Smaller than the fixture.");
        }

        for (var line = 1; ; line++)
        {
            var item = FormattableString.Invariant(
                $"{(line == 1 ? "" : ",")}{{\"line\":{line},\"sku\":\"SKU-{line:D6}\",\"lot\":\"LOT-{line % 97:D3}\",\"quantity\":{line % 50 + 1},\"unit\":\"kg\",\"attributes\":{{\"grade\":\"A\",\"origin\":\"Plant 4\"}}}}");
            if (body.Length + item.Length + note.Length + end.Length > size)
            {
                break;
            }

            body.Append(item);
        }

        var fill = size - body.Length - note.Length - end.Length;
        body.Append(note).Append('x', fill).Append(end);
        var bytes = Encoding.UTF8.GetBytes(body.ToString());
        if (bytes.Length != size)
        {
            throw new InvalidOperationException($"Built {bytes.Length} bytes instead of {size}.");
        }

        using (JsonDocument.Parse(bytes))
        {
            // Throws if the body is not valid JSON.
        }

        return bytes;
    }

    private static byte[] LoadFixture()
    {
        using var stream = typeof(BenchmarkData).Assembly.GetManifestResourceStream(FixtureResource)
            ?? throw new InvalidOperationException($"Embedded resource {FixtureResource} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
