using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// One Azurite (blob, queue and table emulator) per test run, in memory, on three free loopback ports. Share it
/// through <see cref="AzuriteCollection"/>; call <see cref="ResetAsync"/> before each test so it starts clean.
/// A test that needs an Azurite of its own (data on disk that survives a restart, a clock it can move) starts one with
/// <see cref="StartDedicatedAsync"/>.
/// </summary>
public sealed partial class AzuriteFixture : IAsyncLifetime, IDisposable
{
    /// <summary>The emulator's well-known account name.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The emulator's well-known (public) account key.</summary>
    public const string AccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Environment variable that points at another <c>azurite.js</c> instead of the one under tests/tools.</summary>
    public const string ScriptVariable = "AZURITE_JS";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private const int OutputLinesKept = 50;

    private readonly ConcurrentQueue<string> _output = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Process? _process;

    /// <summary>The collection's Azurite: in memory, real clock.</summary>
    public AzuriteFixture()
        : this(new AzuriteOptions())
    {
    }

    /// <summary>A connection string with explicit 127.0.0.1 endpoints; valid once started, and across restarts.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>True while the emulator process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The blob service port.</summary>
    public int BlobPort { get; private set; }

    /// <summary>The queue service port.</summary>
    public int QueuePort { get; private set; }

    /// <summary>The table service port.</summary>
    public int TablePort { get; private set; }

    /// <summary>Starts Azurite on three new free ports.</summary>
    public async Task InitializeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            (BlobPort, QueuePort, TablePort) = FreePorts();
            ConnectionString = string.Create(CultureInfo.InvariantCulture,
                $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
                $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};" +
                $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};" +
                $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};");
            await StartProcessAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Kills the emulator (the whole process tree): storage is down until <see cref="ResetAsync"/>.</summary>
    public async Task StopAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await StopProcessAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Leaves the account empty: deletes every queue, table and blob container; restarts the emulator (same ports,
    /// same <see cref="ConnectionString"/>) if a test stopped it.
    /// </summary>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        if (ConnectionString.Length == 0)
        {
            throw new InvalidOperationException($"{nameof(InitializeAsync)} has not run: Azurite was never started.");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!IsRunning)
            {
                await StopProcessAsync().ConfigureAwait(false);
                await StartProcessAsync().ConfigureAwait(false);
                if (!_options.OnDisk)
                {
                    return; // In-memory persistence: a new process starts empty.
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        var queues = new QueueServiceClient(ConnectionString, Configure(new QueueClientOptions()));
        await foreach (var queue in queues.GetQueuesAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            await queues.DeleteQueueAsync(queue.Name, cancellationToken).ConfigureAwait(false);
        }

        var tables = new TableServiceClient(ConnectionString, Configure(new TableClientOptions()));
        await foreach (var table in tables.QueryAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            await tables.DeleteTableAsync(table.Name, cancellationToken).ConfigureAwait(false);
        }

        var blobs = new BlobServiceClient(ConnectionString, Configure(new BlobClientOptions()));
        await foreach (var container in blobs.GetBlobContainersAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            await blobs.DeleteBlobContainerAsync(container.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A client for queue <paramref name="name"/>. Base64 by default, as the Functions queue trigger expects; use
    /// <see cref="QueueMessageEncoding.None"/> to send or read raw text. Retries are short so failures show quickly.
    /// </summary>
    public QueueClient Queue(string name, QueueMessageEncoding encoding = QueueMessageEncoding.Base64) =>
        new(ConnectionString, name, Configure(new QueueClientOptions { MessageEncoding = encoding }));

    /// <summary>
    /// The text of the visible messages in <paramref name="queueName"/> (at most 32), oldest first, without
    /// changing their visibility; empty if the queue does not exist.
    /// </summary>
    public async Task<IReadOnlyList<string>> PeekAllAsync(
        string queueName,
        QueueMessageEncoding encoding = QueueMessageEncoding.Base64,
        CancellationToken cancellationToken = default)
    {
        if (!await QueueExistsAsync(queueName, cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        PeekedMessage[] messages = await Queue(queueName, encoding)
            .PeekMessagesAsync(maxMessages: 32, cancellationToken).ConfigureAwait(false);
        return [.. messages.Select(m => m.Body.ToString())];
    }

    /// <summary>The number of messages in <paramref name="queueName"/>, visible or not; 0 if it does not exist.</summary>
    public async Task<int> MessageCountAsync(string queueName, CancellationToken cancellationToken = default)
    {
        if (!await QueueExistsAsync(queueName, cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        QueueProperties properties = await Queue(queueName).GetPropertiesAsync(cancellationToken).ConfigureAwait(false);
        return properties.ApproximateMessagesCount;
    }

    /// <summary>
    /// Whether <paramref name="queueName"/> exists. Asks by listing, not by a request that answers 404, so the logs
    /// of a running WebJobs host (which forwards every Azure SDK warning in the process) stay quiet.
    /// </summary>
    public async Task<bool> QueueExistsAsync(string queueName, CancellationToken cancellationToken = default)
    {
        var queues = new QueueServiceClient(ConnectionString, Configure(new QueueClientOptions()));
        await foreach (var queue in queues.GetQueuesAsync(prefix: queueName, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (string.Equals(queue.Name, queueName, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Kills the emulator's process tree and waits for it to exit.</summary>
    public async Task DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        Dispose();
    }

    /// <summary>Kills the emulator's process tree, if still running, without waiting.</summary>
    public void Dispose()
    {
        var process = Interlocked.Exchange(ref _process, null);
        if (process is not null)
        {
            using (process)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }

        _gate.Dispose();
        DeleteWorkDirectory();
    }

    private static T Configure<T>(T options) where T : ClientOptions
    {
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(100);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(1);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }

    private static string FindScript()
    {
        var fromVariable = Environment.GetEnvironmentVariable(ScriptVariable);
        var script = string.IsNullOrWhiteSpace(fromVariable) ? RepositoryPaths.AzuriteScript : fromVariable;
        if (!File.Exists(script))
        {
            throw new InvalidOperationException(
                $"Azurite is not installed: '{script}' does not exist. Run `npm ci --prefix tests/tools` from the " +
                $"repository root (tests/test.sh does this), or set {ScriptVariable} to an azurite.js.");
        }

        return script;
    }

    /// <summary>Three distinct free ports: all three listeners are held open together, so the system cannot hand out one twice.</summary>
    private static (int Blob, int Queue, int Table) FreePorts()
    {
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
            return (ports[0], ports[1], ports[2]);
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in NodeArguments())
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in NodeEnvironment())
        {
            start.Environment[key] = value;
        }

        _output.Clear();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException("Could not start `node` (Node.js 20 or later must be on PATH).", ex);
        }

        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var stopwatch = Stopwatch.StartNew();
        while (!await AcceptsAsync(BlobPort).ConfigureAwait(false)
               || !await AcceptsAsync(QueuePort).ConfigureAwait(false)
               || !await AcceptsAsync(TablePort).ConfigureAwait(false))
        {
            if (process.HasExited || stopwatch.Elapsed > StartTimeout)
            {
                var reason = process.HasExited
                    ? $"exited with code {process.ExitCode}"
                    : $"did not open ports {BlobPort}, {QueuePort} and {TablePort} within {StartTimeout.TotalSeconds:0} s";
                await StopProcessAsync().ConfigureAwait(false);
                throw new InvalidOperationException(
                    $"Azurite {reason}. Its output:{Environment.NewLine}{string.Join(Environment.NewLine, _output)}");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    private async Task StopProcessAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        using (process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(StopTimeout);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.StartsWith(ClockAcknowledgement, StringComparison.Ordinal))
        {
            Volatile.Read(ref _clockAcknowledged)?.TrySetResult(line);
        }

        // Only the last lines are kept, for the error message of a failed start.
        _output.Enqueue(line);
        while (_output.Count > OutputLinesKept)
        {
            _output.TryDequeue(out _);
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
