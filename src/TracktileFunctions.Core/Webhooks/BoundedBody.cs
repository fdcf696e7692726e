using System.Buffers;

namespace TracktileFunctions.Webhooks;

/// <summary>A request body read once into a pooled buffer, refusing to grow past a cap.</summary>
internal sealed class BoundedBody : IDisposable
{
    private byte[] _buffer;

    private BoundedBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    /// <summary>Reads all of <paramref name="stream"/>; null when it holds more than <paramref name="maxBytes"/>.</summary>
    public static async Task<BoundedBody?> ReadAsync(Stream stream, long? contentLength, int maxBytes, CancellationToken cancellationToken)
    {
        if (contentLength > maxBytes)
        {
            return null;
        }

        var pool = ArrayPool<byte>.Shared;
        var buffer = pool.Rent(contentLength is > 0 ? (int)contentLength + 1 : 16 * 1024);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    // Only reached while length <= maxBytes, so the new buffer is always larger.
                    var larger = pool.Rent((int)Math.Min(buffer.Length * 2L, maxBytes + 1L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    pool.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxBytes)
                {
                    pool.Return(buffer);
                    return null;
                }
            }
        }
        catch
        {
            pool.Return(buffer);
            throw;
        }

        return new BoundedBody(buffer, length);
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
