using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>What a dedicated Azurite (<see cref="AzuriteFixture.StartDedicatedAsync"/>) does beyond the collection's.</summary>
public sealed record AzuriteOptions
{
    /// <summary>
    /// Keeps the data on disk (<c>--location</c>, a temporary folder deleted on dispose) instead of in memory, so it
    /// survives <see cref="AzuriteFixture.StopGracefullyAsync"/> and <see cref="AzuriteFixture.StartAgainAsync"/>.
    /// A kill (<see cref="AzuriteFixture.StopAsync"/>) is a crash: Azurite saves its databases every 5 s and on SIGTERM,
    /// so a kill loses what changed since the last save.
    /// </summary>
    public bool OnDisk { get; init; }

    /// <summary>
    /// Runs Azurite with <c>tests/tools/azurite-clock.cjs</c>, so <see cref="AzuriteFixture.AdvanceClockAsync"/> can
    /// move its clock forward (message visibility, expiry, timestamps), e.g. past a 10-minute visibility lease.
    /// </summary>
    public bool AdjustableClock { get; init; }
}

/// <summary>A dedicated Azurite: data on disk across a graceful stop and a start, and a clock the test moves.</summary>
public sealed partial class AzuriteFixture
{
    /// <summary>Environment variable naming the file azurite-clock.cjs reads its offset (milliseconds) from.</summary>
    public const string ClockFileVariable = "AZURITE_CLOCK_FILE";

    private const string ClockAcknowledgement = "azurite-clock ";
    private static readonly TimeSpan GracefulStopTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ClockTimeout = TimeSpan.FromSeconds(5);

    private readonly AzuriteOptions _options;
    private readonly string? _workDirectory;
    private TaskCompletionSource<string>? _clockAcknowledged;

    private AzuriteFixture(AzuriteOptions options)
    {
        _options = options;
        if (options.OnDisk || options.AdjustableClock)
        {
            _workDirectory = Path.Combine(Path.GetTempPath(), "azurite-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_workDirectory);
        }
    }

    /// <summary>Where Azurite keeps its data when <see cref="AzuriteOptions.OnDisk"/>; null in memory.</summary>
    public string? DataDirectory => _options.OnDisk ? Path.Combine(_workDirectory!, "data") : null;

    /// <summary>How far <see cref="AdvanceClockAsync"/> has moved Azurite's clock ahead of the real one (kept across restarts).</summary>
    public TimeSpan ClockOffset { get; private set; }

    private string ClockFile => Path.Combine(_workDirectory!, "clock-offset-ms");

    /// <summary>
    /// Starts an Azurite of the calling test's own (new free ports, not the collection's); dispose it at the end.
    /// Its clients and helpers are the collection's (<see cref="Queue"/>, <see cref="MessageCountAsync"/>...).
    /// </summary>
    public static async Task<AzuriteFixture> StartDedicatedAsync(AzuriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var azurite = new AzuriteFixture(options);
        try
        {
            await azurite.InitializeAsync().ConfigureAwait(false);
            await azurite.ServingAsync().ConfigureAwait(false);
            return azurite;
        }
        catch
        {
            await azurite.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Stops Azurite as an orderly shutdown does: SIGTERM to node, which stops listening, saves its databases and
    /// exits; waits (at most 20 s) for the exit. With <see cref="AzuriteOptions.OnDisk"/> everything acknowledged
    /// before the call is there again after <see cref="StartAgainAsync"/>.
    /// </summary>
    public Task StopGracefullyAsync() => UnderGateAsync(async () =>
    {
        var process = _process ?? throw new InvalidOperationException("Azurite is not running.");
        if (!process.HasExited)
        {
            PosixSignals.Send(process, PosixSignals.SigTerm);
            using var timeout = new CancellationTokenSource(GracefulStopTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await StopProcessAsync().ConfigureAwait(false);
                throw new TimeoutException(
                    $"Azurite did not exit within {GracefulStopTimeout.TotalSeconds:0} s of SIGTERM; it was killed. " +
                    $"Its output:{Environment.NewLine}{string.Join(Environment.NewLine, _output)}");
            }
        }

        await StopProcessAsync().ConfigureAwait(false);
    });

    /// <summary>
    /// Starts Azurite again after a stop: same ports, same <see cref="ConnectionString"/>, same data folder (so the
    /// data is still there when <see cref="AzuriteOptions.OnDisk"/>), same clock offset.
    /// </summary>
    public Task StartAgainAsync() => UnderGateAsync(async () =>
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("Azurite is still running: stop it first.");
        }

        await StopProcessAsync().ConfigureAwait(false); // releases a process that exited by itself
        await StartProcessAsync().ConfigureAwait(false);
        await ServingAsync().ConfigureAwait(false);
    });

    /// <summary>
    /// Moves Azurite's clock forward by <paramref name="by"/>: to Azurite, that much time has passed (a received
    /// message whose visibility timeout falls within it is visible again). Returns once Azurite has acknowledged.
    /// Only with <see cref="AzuriteOptions.AdjustableClock"/>, while running.
    /// </summary>
    public Task AdvanceClockAsync(TimeSpan by)
    {
        if (!_options.AdjustableClock)
        {
            throw new InvalidOperationException($"This Azurite was not started with {nameof(AzuriteOptions.AdjustableClock)}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(by, TimeSpan.Zero);
        return UnderGateAsync(async () =>
        {
            if (_process is not { HasExited: false } process)
            {
                throw new InvalidOperationException("Azurite is not running.");
            }

            var offset = ClockOffset + by;
            var milliseconds = ((long)offset.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            var temporary = ClockFile + ".tmp";
            await File.WriteAllTextAsync(temporary, milliseconds).ConfigureAwait(false);
            File.Move(temporary, ClockFile, overwrite: true);

            var acknowledged = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _clockAcknowledged, acknowledged);
            string line;
            try
            {
                PosixSignals.Send(process, PosixSignals.SigUsr2);
                line = await acknowledged.Task.WaitAsync(ClockTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"Azurite did not acknowledge the clock change within {ClockTimeout.TotalSeconds:0} s.");
            }
            finally
            {
                Volatile.Write(ref _clockAcknowledged, null);
            }

            if (!string.Equals(line, $"{ClockAcknowledgement}offset-ms={milliseconds}", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Azurite's clock did not move as asked ({milliseconds} ms): {line}");
            }

            ClockOffset = offset;
        });
    }

    private async Task UnderGateAsync(Func<Task> action)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await action().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Waits for one answered request on the table port, the last service Azurite starts. Open ports alone are not
    /// enough for a graceful stop: Azurite installs its SIGTERM handler just after, and a SIGTERM before that kills
    /// node at once, unsaved.
    /// </summary>
    private async Task ServingAsync()
    {
        var tables = new TableServiceClient(ConnectionString, Configure(new TableClientOptions()));
        await foreach (var _ in tables.QueryAsync(maxPerPage: 1).ConfigureAwait(false))
        {
            break;
        }
    }

    /// <summary>node's arguments: the clock script if asked for, then Azurite's options.</summary>
    private List<string> NodeArguments()
    {
        var arguments = new List<string>();
        if (_options.AdjustableClock)
        {
            arguments.AddRange(["--require", RepositoryPaths.AzuriteClockScript]);
        }

        // The collection's Azurite gets exactly the command line it always had; a dedicated one differs only in
        // where it keeps its data, and in never reaching beyond 127.0.0.1 (Azurite sends telemetry unless told not to).
        arguments.AddRange([FindScript(), "--silent"]);
        arguments.AddRange(DataDirectory is { } data ? ["--location", data] : ["--inMemoryPersistence"]);
        arguments.AddRange(
        [
            "--skipApiVersionCheck", "--loose",
            "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", Invariant(BlobPort), "--queuePort", Invariant(QueuePort), "--tablePort", Invariant(TablePort),
        ]);
        if (_workDirectory is not null)
        {
            arguments.Add("--disableTelemetry");
        }

        return arguments;
    }

    private Dictionary<string, string> NodeEnvironment() =>
        _options.AdjustableClock ? new() { [ClockFileVariable] = ClockFile } : [];

    private void DeleteWorkDirectory()
    {
        if (_workDirectory is null || !Directory.Exists(_workDirectory))
        {
            return;
        }

        try
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder: if a file is still in use, the system's temp cleanup takes it later.
        }
    }
}
