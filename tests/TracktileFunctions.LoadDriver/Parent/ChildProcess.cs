using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace TracktileFunctions.LoadDriver.Parent;

/// <summary>Thrown when a child process reported an error, exited early or did not answer in time.</summary>
internal sealed class ScenarioFailedException(string message) : Exception(message);

/// <summary>
/// One measured scenario's process: this driver started again with a child command. Its events (stdout lines of
/// <see cref="Protocol"/>) are collected by name; its other output is shown on stderr with a label (the first
/// lines only, the last ones kept for error messages). Disposing kills it if it still runs.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int LinesShown = 60;
    private const int LinesKept = 40;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    private readonly Process _process;
    private readonly IDisposable _cleanup;
    private readonly ConcurrentDictionary<string, JsonObject> _events = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _tail = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _linesShown;
    private int _errorShown;

    private ChildProcess(string label, Process process)
    {
        Label = label;
        _process = process;
        _cleanup = Cleanup.Register(() => Kill());
    }

    public string Label { get; }

    /// <summary>The process's CPU time so far (user + system), in seconds.</summary>
    public double CpuSeconds
    {
        get
        {
            try
            {
                _process.Refresh();
                return _process.TotalProcessorTime.TotalSeconds;
            }
            catch (InvalidOperationException)
            {
                return double.NaN; // exited
            }
        }
    }

    public static ChildProcess Start(string label, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var (file, prefix) = SelfCommand();
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in prefix.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var child = new ChildProcess(label, process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._stdoutClosed.TrySetResult();
            }
            else if (Protocol.Parse(e.Data) is { } evt)
            {
                child._events[evt["event"]?.GetValue<string>() ?? "?"] = evt;
            }
            else
            {
                child.Show(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child.Show(e.Data);
            }
        };
        try
        {
            process.Start();
        }
        catch
        {
            child._cleanup.Dispose();
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public void Send(string command)
    {
        try
        {
            _process.StandardInput.WriteLine(command);
            _process.StandardInput.Flush();
        }
        catch (IOException ex)
        {
            throw new ScenarioFailedException($"{Label}: could not send '{command}' (the process is gone: {ex.Message}).{Tail()}");
        }
    }

    /// <summary>The event <paramref name="name"/> if it came; throws if the child reported an error or exited without it.</summary>
    public JsonObject? TryGet(string name)
    {
        if (_events.TryGetValue(Protocol.Error, out var error))
        {
            if (Interlocked.Exchange(ref _errorShown, 1) == 0)
            {
                Console.Error.WriteLine($"    [{Label}] {error["detail"]}");
            }

            throw new ScenarioFailedException($"{Label} failed: {error["message"]}");
        }

        if (_events.TryGetValue(name, out var evt))
        {
            return evt;
        }

        if (_stdoutClosed.Task.IsCompleted && _process.HasExited)
        {
            throw new ScenarioFailedException($"{Label} exited with code {_process.ExitCode} before '{name}'.{Tail()}");
        }

        return null;
    }

    public async Task<JsonObject> WaitForAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (TryGet(name) is { } evt)
            {
                return evt;
            }

            if (clock.Elapsed > timeout)
            {
                throw new ScenarioFailedException($"{Label}: no '{name}' within {timeout.TotalSeconds:0} s.{Tail()}");
            }

            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the process to exit by itself, then kills it.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            Kill();
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Killed; the kernel reaps it.
        }

        _cleanup.Dispose();
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already gone.
        }
    }

    private void Show(string line)
    {
        _tail.Enqueue(line);
        while (_tail.Count > LinesKept)
        {
            _tail.TryDequeue(out _);
        }

        var shown = Interlocked.Increment(ref _linesShown);
        if (shown <= LinesShown)
        {
            Console.Error.WriteLine($"    [{Label}] {line}");
        }
        else if (shown == LinesShown + 1)
        {
            Console.Error.WriteLine($"    [{Label}] ... (more output not shown; the last {LinesKept} lines go into an error message)");
        }
    }

    private string Tail() => _tail.IsEmpty ? "" : $" Its last output:{Environment.NewLine}{string.Join(Environment.NewLine, _tail)}";

    /// <summary>How to start this driver again: its apphost, or <c>dotnet</c> with its dll.</summary>
    private static (string File, IReadOnlyList<string> Prefix) SelfCommand()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("the driver's own executable is unknown");
        return string.Equals(Path.GetFileNameWithoutExtension(path), "dotnet", StringComparison.OrdinalIgnoreCase)
            ? (path, [Assembly.GetEntryAssembly()!.Location])
            : (path, []);
    }
}
