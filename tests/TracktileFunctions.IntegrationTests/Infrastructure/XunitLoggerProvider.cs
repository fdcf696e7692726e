using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// Writes logs to a test's output, each line stamped with the milliseconds since the provider was made: the
/// quickest way to see what the queue extension did (attempts, poison moves) and when.
/// </summary>
public sealed class XunitLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private volatile bool _closed;

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new XunitLogger(this, categoryName);

    /// <summary>Stops writing: the test's output is not usable after the test ends.</summary>
    public void Dispose() => _closed = true;

    private void Write(string line)
    {
        if (_closed)
        {
            return;
        }

        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // xunit refuses output once its test has finished; later log lines (a host still stopping) are dropped.
            _closed = true;
        }
    }

    private sealed class XunitLogger(XunitLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            var line = string.Create(CultureInfo.InvariantCulture,
                $"[{provider._clock.ElapsedMilliseconds,6} ms] {logLevel,-11} {category}: {formatter(state, exception)}");
            provider.Write(exception is null ? line : line + Environment.NewLine + exception);
        }
    }
}
