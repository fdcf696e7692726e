using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>What an <see cref="AppWorkerProcess"/> runs against.</summary>
/// <param name="StorageConnectionString">The storage account (Azurite) for the app and its queue triggers.</param>
/// <param name="Tracktile">Tracktile's API base URL (the sandbox's <c>TracktileBaseAddress</c>).</param>
/// <param name="Erp">The ERP's base URL (the sandbox's <c>ErpBaseAddress</c>).</param>
public sealed record AppWorkerOptions(string StorageConnectionString, Uri Tracktile, Uri Erp)
{
    /// <summary>The queue functions to run under the real queue extension (host.json's options), e.g. <c>OrderEventsFunction</c>.</summary>
    public IReadOnlyList<string> Functions { get; init; } = [];

    /// <summary>Settings over <see cref="TestApp.Settings"/>'s defaults (a null value removes one), as for <see cref="TestApp.Build"/>.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Settings { get; init; } = [];

    /// <summary>The child's minimum log level (its logs go to the test's output).</summary>
    public string LogLevel { get; init; } = "Information";
}

/// <summary>The events an <see cref="AppWorkerProcess"/> reports (the load driver's Protocol names).</summary>
public static class AppWorkerEvents
{
    /// <summary>The functions listen: carries <c>functions</c> (name and queue of each).</summary>
    public const string Ready = "ready";

    /// <summary>The product batch started (after <c>go</c>).</summary>
    public const string Started = "started";

    /// <summary>The product batch returned: carries <c>result</c> (a ProductSyncResult).</summary>
    public const string BatchReturned = "batchReturned";

    /// <summary>After <c>stop</c>, the child's memory report, just before it exits.</summary>
    public const string Result = "result";

    /// <summary>The child failed: carries <c>message</c> and <c>detail</c>.</summary>
    public const string Error = "error";
}

/// <summary>
/// The app's queue functions in a process of their own, which a test can kill (a crashed or recycled worker): the
/// load driver's <c>child-app</c> mode (the app's real service graph and hosted services, each function under the real
/// queue extension with host.json's queue options, then one product batch on <c>go</c>). It reports events as JSON
/// lines on stdout (<c>ready</c>, <c>started</c>, <c>batchReturned</c>, <c>result</c>, <c>error</c>); its log lines
/// go to the test's output. Dispose kills it if it still runs.
/// </summary>
public sealed class AppWorkerProcess : IAsyncDisposable
{
    /// <summary>What the build-order failure says.</summary>
    public const string BuildFirst = "build the solution first: dotnet build TracktileFunctions.sln -c Release";

    private const string EventPrefix = "@@loaddriver "; // the load driver's Protocol.Prefix
    private const int LinesKept = 40;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90); // the child waits up to 30 s for each start-up job
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Settings the child takes as options of their own; the rest go as <c>--set</c>.</summary>
    private static readonly string[] OwnOptions = ["AzureWebJobsStorage", "Tracktile:Api:BaseUrl", "Tracktile:Api:Token", "Erp:BaseUrl"];

    private readonly Process _process;
    private readonly ITestOutputHelper? _output;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _events = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _tail = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Task _exited = Task.CompletedTask;
    private volatile bool _outputClosed;
    private bool _goSent;

    private AppWorkerProcess(Process process, ITestOutputHelper? output)
    {
        _process = process;
        _output = output;
        process.OutputDataReceived += (_, e) => OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => Show(e.Data);
    }

    /// <summary>The child's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>True once the child has exited (killed, stopped or failed).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The child's exit code; only once it has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>The functions that listen, by name, with the queue each listens on (from <c>ready</c>).</summary>
    public IReadOnlyDictionary<string, string> Queues { get; private set; } = new Dictionary<string, string>();

    /// <summary>
    /// Starts the child and returns once its functions listen (<c>ready</c>, at most 90 s); throws with the child's
    /// last output if it fails or exits first.
    /// </summary>
    public static async Task<AppWorkerProcess> StartAsync(AppWorkerOptions options, ITestOutputHelper? output = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments(RequireDriver(RepositoryPaths.LoadDriverDll), options))
        {
            start.ArgumentList.Add(argument);
        }

        var worker = new AppWorkerProcess(new Process { StartInfo = start }, output);
        try
        {
            worker._process.Start();
            worker._process.BeginOutputReadLine();
            worker._process.BeginErrorReadLine();
            worker._exited = worker._process.WaitForExitAsync();
            var ready = await worker.WaitForAsync(AppWorkerEvents.Ready, ReadyTimeout).ConfigureAwait(false);
            worker.Queues = (ready["functions"]?.AsArray() ?? [])
                .ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!["queue"]!.GetValue<string>(), StringComparer.Ordinal);
            return worker;
        }
        catch
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The load driver's dll at <paramref name="path"/>, checked: it exists, and carries the same app assemblies as
    /// these tests (a driver left from an older build would run old app code).
    /// </summary>
    public static string RequireDriver(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"The load driver is not built ('{path}' does not exist): {BuildFirst}.");
        }

        foreach (var assembly in new[] { "TracktileFunctions.dll", "TracktileFunctions.Core.dll" })
        {
            var ours = Path.Combine(AppContext.BaseDirectory, assembly);
            var theirs = Path.Combine(Path.GetDirectoryName(path)!, assembly);
            if (!File.Exists(theirs) || !SameBytes(ours, theirs))
            {
                throw new InvalidOperationException(
                    $"The load driver's {assembly} ('{theirs}') is not the one these tests were built with: {BuildFirst}.");
            }
        }

        return path;
    }

    /// <summary>Sends <c>go</c>: the child runs one product batch from the stored watermark. Does not wait.</summary>
    public void SendGo()
    {
        Send("go");
        _goSent = true;
    }

    /// <summary>Sends <c>go</c> and returns the batch's result (a ProductSyncResult as JSON) once it returned (at most 60 s).</summary>
    public async Task<JsonObject> RunBatchAsync()
    {
        SendGo();
        var returned = await WaitForAsync(AppWorkerEvents.BatchReturned, BatchTimeout).ConfigureAwait(false);
        return returned["result"]?.AsObject() ?? throw new InvalidOperationException("batchReturned carries no result.");
    }

    /// <summary>
    /// Waits for the child's event <paramref name="name"/> (see <see cref="AppWorkerEvents"/>) and returns it; throws if the
    /// child reports an error, exits first, or the time runs out.
    /// </summary>
    public async Task<JsonObject> WaitForAsync(string name, TimeSpan timeout)
    {
        var wanted = Event(name).Task;
        var error = Event(AppWorkerEvents.Error).Task;
        await Task.WhenAny(wanted, error, _exited, Task.Delay(timeout)).ConfigureAwait(false);
        if (wanted.IsCompleted)
        {
            return await wanted.ConfigureAwait(false);
        }

        if (error.IsCompleted)
        {
            var failure = await error.ConfigureAwait(false);
            throw new InvalidOperationException($"The app worker failed before '{name}': {failure["detail"] ?? failure["message"]}{Tail()}");
        }

        if (_exited.IsCompleted)
        {
            await WaitForOutputAsync().ConfigureAwait(false);
            if (wanted.IsCompleted)
            {
                return await wanted.ConfigureAwait(false); // its last line came with the exit
            }

            throw new InvalidOperationException($"The app worker exited with code {_process.ExitCode} before '{name}'.{Tail()}");
        }

        throw new TimeoutException($"The app worker sent no '{name}' within {timeout.TotalSeconds:0} s.{Tail()}");
    }

    /// <summary>Kills the child (SIGKILL, the whole process tree) as a crash would, and waits until it is gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        if (!_process.WaitForExit(ExitTimeout))
        {
            throw new TimeoutException($"The app worker (pid {ProcessId}) was killed but did not exit within {ExitTimeout.TotalSeconds:0} s.");
        }
    }

    /// <summary>
    /// Stops the child in order and waits for it to exit (at most 30 s): after <c>go</c>, sends <c>stop</c> (it stops
    /// once the batch returned); before, closes its stdin (the child then stops at once). Either way its queue
    /// listeners stop and the messages in flight finish first. Returns the exit code: 0 after <c>stop</c>, 3 after a
    /// closed stdin (the child's "parent gone").
    /// </summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            if (_goSent)
            {
                Send("stop");
            }
            else
            {
                _process.StandardInput.Close();
            }
        }

        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"The app worker did not stop within {ExitTimeout.TotalSeconds:0} s; it was killed.{Tail()}");
        }

        return _process.ExitCode;
    }

    /// <summary>Kills the child if it still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(ExitTimeout);
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // It never started.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static IEnumerable<string> Arguments(string driver, AppWorkerOptions options)
    {
        string[] head =
        [
            driver, "child-app",
            "--storage", options.StorageConnectionString,
            "--tracktile", options.Tracktile.ToString(),
            "--token", TestApp.TracktileToken,
            "--erp", options.Erp.ToString(),
            "--log-level", options.LogLevel,
        ];
        var functions = options.Functions.SelectMany(f => new[] { "--function", f });
        var settings = TestApp.Settings(options.StorageConnectionString, options.Tracktile, options.Erp, options.Settings)
            .Where(s => s.Value is not null && !OwnOptions.Contains(s.Key, StringComparer.OrdinalIgnoreCase))
            .SelectMany(s => new[] { "--set", $"{s.Key}={s.Value}" });
        return head.Concat(functions).Concat(settings);
    }

    /// <summary>The dotnet host running these tests (the SDK sets DOTNET_HOST_PATH), else <c>dotnet</c> from PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static bool SameBytes(string first, string second) =>
        SHA256.HashData(File.ReadAllBytes(first)).AsSpan().SequenceEqual(SHA256.HashData(File.ReadAllBytes(second)));

    private TaskCompletionSource<JsonObject> Event(string name) =>
        _events.GetOrAdd(name, _ => new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously));

    private void Send(string command)
    {
        try
        {
            _process.StandardInput.WriteLine(command);
            _process.StandardInput.Flush();
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"Could not send '{command}' to the app worker (it is gone: {ex.Message}).{Tail()}", ex);
        }
    }

    private void OnStdout(string? line)
    {
        if (line is null)
        {
            _outputClosed = true;
            return;
        }

        if (line.StartsWith(EventPrefix, StringComparison.Ordinal) && Parse(line[EventPrefix.Length..]) is { } evt
            && evt["event"]?.GetValue<string>() is { } name)
        {
            Show($"event {name}");
            Event(name).TrySetResult(evt);
            return;
        }

        Show(line);
    }

    private static JsonObject? Parse(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Waits (briefly) until stdout's last line was read after an exit.</summary>
    private async Task WaitForOutputAsync()
    {
        for (var i = 0; i < 40 && !_outputClosed; i++)
        {
            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    private void Show(string? line)
    {
        if (line is null)
        {
            return;
        }

        _tail.Enqueue(line);
        while (_tail.Count > LinesKept)
        {
            _tail.TryDequeue(out _);
        }

        try
        {
            _output?.WriteLine($"[worker {_clock.ElapsedMilliseconds,6} ms] {line}");
        }
        catch (InvalidOperationException)
        {
            // xunit refuses output once the test has finished; a child still stopping writes nothing more.
        }
    }

    private string Tail() => _tail.IsEmpty ? "" : $" Its last output:{Environment.NewLine}{string.Join(Environment.NewLine, _tail)}";
}
