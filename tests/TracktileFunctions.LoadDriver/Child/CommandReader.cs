using System.Threading.Channels;

namespace TracktileFunctions.LoadDriver.Child;

/// <summary>Thrown when the parent closed this child's stdin: the driver is gone, so the child stops.</summary>
internal sealed class ParentGoneException() : Exception("the load driver closed stdin");

/// <summary>
/// Reads the parent's commands from stdin in the background. When stdin closes, waiting commands fail with
/// <see cref="ParentGoneException"/>, and the process exits within 5 s whatever it is doing, so a child never
/// outlives its driver.
/// </summary>
internal sealed class CommandReader
{
    private static readonly TimeSpan ExitAfterParentGone = TimeSpan.FromSeconds(5);
    private readonly Channel<string> _commands = Channel.CreateUnbounded<string>();

    public CommandReader() => _ = Task.Run(ReadAsync);

    public async Task WaitForAsync(string command, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var line = await _commands.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
                if (string.Equals(line.Trim(), command, StringComparison.Ordinal))
                {
                    return;
                }
            }
        }
        catch (ChannelClosedException)
        {
            throw new ParentGoneException();
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"no '{command}' from the load driver within {timeout.TotalSeconds:0} s");
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                _commands.Writer.TryWrite(line);
            }
        }
        finally
        {
            _commands.Writer.TryComplete();
            _ = Task.Delay(ExitAfterParentGone).ContinueWith(_ => Environment.Exit(3), TaskScheduler.Default);
        }
    }
}
