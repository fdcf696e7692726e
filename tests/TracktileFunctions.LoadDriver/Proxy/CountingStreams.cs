namespace TracktileFunctions.LoadDriver.Proxy;

/// <summary>Counts the occurrences of one byte pattern in a stream of chunks, across chunk boundaries (Knuth-Morris-Pratt).</summary>
internal sealed class PatternCounter
{
    private readonly byte[] _pattern;
    private readonly int[] _failure;
    private int _matched;

    public PatternCounter(string pattern)
    {
        _pattern = System.Text.Encoding.ASCII.GetBytes(pattern);
        _failure = new int[_pattern.Length];
        for (int i = 1, k = 0; i < _pattern.Length; i++)
        {
            while (k > 0 && _pattern[i] != _pattern[k])
            {
                k = _failure[k - 1];
            }

            if (_pattern[i] == _pattern[k])
            {
                k++;
            }

            _failure[i] = k;
        }
    }

    public int Count { get; private set; }

    public void Feed(ReadOnlySpan<byte> chunk)
    {
        foreach (var b in chunk)
        {
            while (_matched > 0 && b != _pattern[_matched])
            {
                _matched = _failure[_matched - 1];
            }

            if (b == _pattern[_matched])
            {
                _matched++;
            }

            if (_matched == _pattern.Length)
            {
                Count++;
                _matched = _failure[_matched - 1];
            }
        }
    }
}

/// <summary>
/// A pass-through around a request or response body that counts the bytes going through it and, when given a
/// <see cref="PatternCounter"/>, the occurrences of its pattern. Reads count what was read, writes what was written.
/// </summary>
internal sealed class CountingStream(Stream inner, PatternCounter? pattern) : Stream
{
    public long Bytes { get; private set; }

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Seen(buffer.AsSpan(offset, read));
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Seen(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        Seen(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Seen(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Seen(ReadOnlySpan<byte> bytes)
    {
        Bytes += bytes.Length;
        pattern?.Feed(bytes);
    }
}
