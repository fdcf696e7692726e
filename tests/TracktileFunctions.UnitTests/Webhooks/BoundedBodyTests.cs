using TracktileFunctions.Webhooks;

namespace TracktileFunctions.UnitTests.Webhooks;

public sealed class BoundedBodyTests
{
    /// <summary>A stream that hands out at most a few bytes per read and never reports its length, like a chunked body.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => base.ReadAsync(buffer[..Math.Min(buffer.Length, 7_000)], cancellationToken);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16 * 1024)]
    [InlineData(100_000)]
    [InlineData(1_048_576)]
    public async Task ReadAsync_UnknownLengthWithinCap_ReturnsExactBytes(int size)
    {
        var data = new byte[size];
        new Random(size).NextBytes(data);

        using var body = await BoundedBody.ReadAsync(new TrickleStream(data), null, 1_048_576, CancellationToken.None);

        Assert.NotNull(body);
        Assert.True(body.Span.SequenceEqual(data));
    }

    [Fact]
    public async Task ReadAsync_OneByteOverCapWithUnknownLength_ReturnsNull()
        => Assert.Null(await BoundedBody.ReadAsync(new TrickleStream(new byte[1_048_577]), null, 1_048_576, CancellationToken.None));

    [Fact]
    public async Task ReadAsync_DeclaredLengthOverCap_ReturnsNullWithoutReading()
    {
        var stream = new TrickleStream(new byte[10]);

        Assert.Null(await BoundedBody.ReadAsync(stream, 2_000_000, 1_048_576, CancellationToken.None));
        Assert.Equal(0, stream.Position);
    }

    [Fact]
    public async Task ReadAsync_DeclaredLengthUnderstated_StillEnforcesCap()
        => Assert.Null(await BoundedBody.ReadAsync(new TrickleStream(new byte[5_000]), 10, 4_096, CancellationToken.None));
}
